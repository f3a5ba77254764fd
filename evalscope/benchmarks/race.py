"""RACE (Lai et al., 2017): reading comprehension from Chinese middle- and high-school English exams, four options.

Source: EvalScope's ``evalscope/race`` (= HF ``ehovy/race``), subsets ``high`` and ``middle``, splits ``test`` and
``train``; rows ``example_id``, ``article``, ``question``, ``options`` (4), ``answer`` (a letter). Local
``<subset>/test.*`` and ``<subset>/train.*`` (the hub's ``<subset>/test-*.parquet`` too) or
``<subset>_test.jsonl``. 3-shot from train (at most 3, as EvalScope), EvalScope's chain-of-thought prompt with
``Article:``/``Question:``; ``acc`` = exact match of the extracted letter.

Official number: none reproduced here (no reference outputs at hand); parsing and extraction are tested on rows in
the hub's format (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register


@register("benchmark", "race")
class RACE(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="race",
        pretty_name="RACE",
        tags=("Reasoning", "MCQ"),
        dataset_id="evalscope/race",
        hf_dataset_id="ehovy/race",
        subsets=("high", "middle"),
        eval_split="test",
        train_split="train",
        few_shot_num=3,
        max_few_shot_num=3,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        context = f"Article:\n{record['article']}\nQuestion:\n{record['question']}"
        return mcq_sample(index, context, list(record["options"]), str(record["answer"]),
                          record_id=record.get("example_id"))
