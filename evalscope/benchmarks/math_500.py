"""MATH-500: the 500-problem test subset of MATH chosen by OpenAI for "Let's Verify Step by Step" (PRM800K).

Source: ``prm800k/math_splits/test.jsonl`` of GitHub openai/prm800k (= HF HuggingFaceH4/MATH-500, EvalScope's
``AI-ModelScope/MATH-500``); rows ``problem``, ``solution``, ``answer``, ``subject``, ``level`` (1-5), ``unique_id``,
one file ``test.jsonl`` split by ``level`` into EvalScope's subsets ``Level 1`` .. ``Level 5``. 0-shot, EvalScope's
prompt; ``acc`` is math-verify equivalence of the last ``\\boxed{}`` to ``answer``.

Official number reproduced: each reference ``solution``'s own boxed answer scores 1.0 against ``answer`` on all
500 rows (tests/unit/benchmarks/test_math_benchmarks.py, on the shared copy).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.math_base import BOXED_PROMPT, MATH_META, MathBenchmark
from evalscope.registry import register

LEVELS = tuple(f"Level {i}" for i in range(1, 6))


def level_of(record: dict[str, Any]) -> str:
    """``Level 3`` for ``level`` 3 or ``"Level 3"``."""
    level = str(record.get("level", "")).strip()
    return level if level.startswith("Level") else f"Level {level}"


@register("benchmark", "math_500")
class Math500(MathBenchmark):
    meta = BenchmarkMeta(
        name="math_500",
        pretty_name="MATH-500",
        dataset_id="AI-ModelScope/MATH-500",
        hf_dataset_id="HuggingFaceH4/MATH-500",
        subsets_from_column=True,
        subsets=LEVELS,
        single_subset_files=True,
        eval_split="test",
        prompt_template=BOXED_PROMPT,
        **MATH_META,
    )

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        return level_of(record) == subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("unique_id", index)), input=str(record["problem"]),
                      target=str(record["answer"]), subset=subset,
                      metadata={"subject": record.get("subject"), "solution": record.get("solution")})
