"""WinoGrande (Sakaguchi et al., 2019): pronoun-resolution style fill-in-the-blank with two options.

Source: EvalScope's ``AI-ModelScope/winogrande_val`` (the XL validation split of HF ``allenai/winogrande``, 1,267
rows); rows ``sentence`` (with ``_``), ``option1``, ``option2``, ``answer`` (``"1"``/``"2"``). Local
``validation.jsonl``. EvalScope's single-answer prompt; ``acc`` = exact match of the letter (A = option1).

Official number: none reproduced here (no reference outputs at hand); parsing and extraction are tested on rows in
the hub's format (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.hellaswag import SINGLE_ANSWER
from evalscope.benchmarks.multiple_choice import MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register


@register("benchmark", "winogrande")
class WinoGrande(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="winogrande",
        pretty_name="Winogrande",
        tags=("Reasoning", "MCQ"),
        dataset_id="AI-ModelScope/winogrande_val",
        hf_dataset_id="allenai/winogrande",
        subsets=("default",),
        single_subset_files=True,
        eval_split="validation",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=SINGLE_ANSWER,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answer = str(record["answer"]).strip()
        if answer not in ("1", "2"):
            raise ValueError(f"answer {answer!r} is not 1 or 2")
        return mcq_sample(index, str(record["sentence"]), [record["option1"], record["option2"]], answer,
                          record_id=record.get("id"))
