"""ARC (AI2 Reasoning Challenge): ARC-Easy and ARC-Challenge; numeric labels become letters."""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register


@register("benchmark", "arc")
class ARC(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="arc",
        pretty_name="ARC",
        tags=("Reasoning", "MCQ"),
        dataset_id="allenai/ai2_arc",
        hf_dataset_id="allenai/ai2_arc",
        subsets=("ARC-Easy", "ARC-Challenge"),
        subset_categories={"ARC-Easy": ("ARC-Easy",), "ARC-Challenge": ("ARC-Challenge",)},
        eval_split="test",
        train_split="train",
        few_shot_num=0,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        question = record["question"]
        if isinstance(question, dict):  # original release: question.stem, question.choices[{text,label}]
            stem = question["stem"]
            labels = [c["label"] for c in question["choices"]]
            texts = [c["text"] for c in question["choices"]]
        else:  # hub layout: question, choices{text[], label[]}
            stem, labels, texts = question, list(record["choices"]["label"]), list(record["choices"]["text"])
        key = str(record["answerKey"]).strip()
        if key not in labels:
            raise ValueError(f"ARC row {record.get('id', index)}: answerKey {key!r} is not one of {labels}")
        return mcq_sample(index, stem, texts, labels.index(key), record_id=record.get("id"), labels=labels)
