"""MMLU: 57 subjects in four categories; few-shot from the dev split (at most 5)."""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.mmlu.subjects import SUBJECT_CATEGORIES, SUBJECTS
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register


@register("benchmark", "mmlu")
class MMLU(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="mmlu",
        pretty_name="MMLU",
        tags=("Knowledge", "MCQ"),
        dataset_id="cais/mmlu",
        hf_dataset_id="cais/mmlu",
        subsets=SUBJECTS,
        subset_categories={s: (c,) for s, c in SUBJECT_CATEGORIES.items()},
        eval_split="test",
        train_split="dev",
        few_shot_num=5,
        max_few_shot_num=5,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
        csv_fieldnames=("question", "A", "B", "C", "D", "answer"),
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        if "choices" in record:  # hub layout: question, subject, choices[4], answer 0-3
            choices, answer = list(record["choices"]), record["answer"]
        else:  # original CSV: question, A, B, C, D, answer letter
            choices, answer = [record[k] for k in "ABCD"], record["answer"]
        return mcq_sample(index, record["question"], choices, answer, subject=subset)
