"""C-Eval: 52 Chinese exam subjects in four categories; the val split, few-shot from dev."""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.ceval.subjects import SUBJECTS
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE_ZH, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register


@register("benchmark", "ceval")
class CEval(MultipleChoiceBenchmark):
    chinese = True
    meta = BenchmarkMeta(
        name="ceval",
        pretty_name="C-Eval",
        tags=("Knowledge", "MCQ", "Chinese"),
        dataset_id="evalscope/ceval",
        hf_dataset_id="ceval/ceval-exam",
        subsets=tuple(SUBJECTS),
        subset_categories={s: (v[2],) for s, v in SUBJECTS.items()},
        eval_split="val",
        train_split="dev",
        few_shot_num=5,
        max_few_shot_num=5,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE_ZH,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        choices = [record[k] for k in "ABCD"]
        return mcq_sample(index, record["question"], choices, record["answer"], record_id=record.get("id"),
                          subject=subset, explanation=record.get("explanation", ""))
