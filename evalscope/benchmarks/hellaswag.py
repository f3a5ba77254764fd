"""HellaSwag (Zellers et al., 2019): commonsense sentence completion, four endings.

Source: EvalScope's ``evalscope/hellaswag`` (= HF ``Rowan/hellaswag``), split ``validation`` (10,042 rows); rows
``ctx_a``, ``ctx_b``, ``endings`` (4), ``label`` (0-3), ``activity_label``. Local ``validation.jsonl`` (or the hub's
``data/validation-*.parquet``). Context and endings cleaned as EvalScope (``[title]`` -> ``. ``, other ``[...]``
tags dropped); EvalScope's single-answer prompt (no chain of thought); ``acc`` = exact match of the letter.

Official number: none reproduced here (no reference outputs at hand); parsing and extraction are tested on rows in
the hub's format (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register

SINGLE_ANSWER = ("Answer the following multiple choice question. The entire content of your response should be of "
                 "the following format: 'ANSWER: [LETTER]' (without quotes) where [LETTER] is one of {letters}."
                 "\n\n{query}\n\n{choices}")


def clean(text: str) -> str:
    text = text.strip().replace(" [title]", ". ")
    return re.sub(r"\[.*?\]", "", text).replace("  ", " ").strip()


@register("benchmark", "hellaswag")
class HellaSwag(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="hellaswag",
        pretty_name="HellaSwag",
        tags=("Commonsense", "MCQ", "Knowledge"),
        dataset_id="evalscope/hellaswag",
        hf_dataset_id="Rowan/hellaswag",
        subsets=("default",),
        single_subset_files=True,
        eval_split="validation",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=SINGLE_ANSWER,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        context = clean(f"{record['ctx_a']} {str(record['ctx_b']).capitalize()}")
        endings = [clean(str(e)) for e in record["endings"]]
        return mcq_sample(index, context, endings, int(record["label"]), record_id=record.get("ind"),
                          activity_label=record.get("activity_label"))
