"""Minerva Math (Lewkowycz et al., 2022): 272 undergraduate STEM problems from MIT OpenCourseWare.

Source: HF ``knoveleng/Minerva-Math`` (EvalScope's dataset id); rows ``problem``, ``solution`` (the final answer),
``type``, ``idx``; one split ``train`` (``train.jsonl``). 0-shot boxed prompt as EvalScope; ``acc`` is math-verify
equivalence of the last ``\\boxed{}`` to ``solution``.

Official number: none published for reference outputs; the answer extraction and equivalence are the shared math
ones, checked by tests/unit/metrics/test_math.py.
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.math_base import BOXED_PROMPT, MATH_META, MathBenchmark, text_field
from evalscope.registry import register


@register("benchmark", "minerva_math")
class MinervaMath(MathBenchmark):
    meta = BenchmarkMeta(
        name="minerva_math",
        pretty_name="Minerva-Math",
        dataset_id="knoveleng/Minerva-Math",
        hf_dataset_id="knoveleng/Minerva-Math",
        subsets=("default",),
        eval_split="train",
        prompt_template=BOXED_PROMPT,
        **MATH_META,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("idx", index)), input=str(record["problem"]),
                      target=text_field(record, "solution", "answer"), metadata={"type": record.get("type")})
