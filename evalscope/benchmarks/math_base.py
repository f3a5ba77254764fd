"""What the math benchmarks share: a boxed-answer prompt, extraction of the final answer, and ``acc`` scored by
mathematical equivalence (``evalscope.metrics.math``: math-verify), with the extraction and the equivalence
used recorded in each review's ``score_metadata``."""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample, Scorer
from evalscope.benchmarks.base import Benchmark

BOXED_PROMPT = "{query}\nPlease reason step by step, and put your final answer within \\boxed{{}}."

MATH_META: dict[str, Any] = dict(
    tags=("Math", "Reasoning"),
    metric_list=("acc",),
    metric_map={"acc": "math_equiv"},
)
"""BenchmarkMeta fields every math benchmark sets the same way."""


def text_field(record: dict[str, Any], *names: str) -> str:
    """The first of ``names`` the record has (non-empty), as text; a ``KeyError`` naming them all otherwise."""
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return str(value)
    raise KeyError(" or ".join(names))


class MathBenchmark(Benchmark):
    """A benchmark whose answers are compared by mathematical equivalence."""

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        from evalscope.metrics.math import extract_math_answer

        return extract_math_answer(prediction)[0]

    def scorers(self) -> list[Scorer]:
        if [self.meta.metric_map.get(m, m) for m in self.metric_list] != ["math_equiv"]:
            return super().scorers()  # the user asked for other metrics
        from evalscope.metrics.math import MathScorer

        return [MathScorer(self.metric_list[0])]
