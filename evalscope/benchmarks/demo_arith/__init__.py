"""``demo_arith``: 50 two-number arithmetic questions that ship with the project (no download).

For trying the tool on a fresh machine: ``evalscope eval --eval-type mock_llm --datasets demo_arith``.
"""

from __future__ import annotations

import random
from typing import Any, Iterator, Optional

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.gsm8k import extract_number
from evalscope.registry import register

_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


def demo_rows(n: int = 50, seed: int = 2024) -> list[dict[str, Any]]:
    """The benchmark's questions: deterministic, the same on every machine."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b, op = rng.randint(2, 99), rng.randint(2, 99), rng.choice(sorted(_OPS))
        rows.append({"id": f"arith-{i}", "question": f"What is {a} {op} {b}?", "answer": str(_OPS[op](a, b))})
    return rows


@register("benchmark", "demo_arith")
class DemoArith(Benchmark):
    meta = BenchmarkMeta(
        name="demo_arith",
        pretty_name="Demo arithmetic",
        tags=("Demo", "Math"),
        subsets=("default",),
        eval_split="test",
        metric_list=("acc",),
        metric_map={"acc": "numeric_match"},
        prompt_template="{query}\nReply with the number only.",
    )

    def builtin_rows(self, subset: str, split: str) -> Optional[Iterator[dict[str, Any]]]:
        return iter(demo_rows()) if split == "test" else iter(())

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("id", index)), input=record["question"], target=str(record["answer"]))

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_number(prediction) or ""
