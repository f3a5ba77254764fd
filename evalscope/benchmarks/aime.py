"""AIME 2024 and AIME 2025: the American Invitational Mathematics Examination's 30 problems of each year
(I and II, answers integers 0-999).

Source: ``evaluation/data/aime24/test.jsonl`` of GitHub QwenLM/Qwen2.5-Math (= EvalScope's ``evalscope/aime24``;
rows ``id``, ``problem``, ``answer``, ``solution``, ``url``) and EvalScope's ``evalscope/aime25`` (``problem`` or
``question``, ``answer``); one file ``test.jsonl``. 0-shot with EvalScope's prompt; ``acc`` is math-verify
equivalence of the last ``\\boxed{}`` to ``answer`` (so ``25`` equals the zero-padded ``025``).

Official number reproduced: the 30 published answers score 1.0 when given back boxed, zero-padding included
(tests/unit/benchmarks/test_math_benchmarks.py, on the shared AIME 2024 copy).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.math_base import MATH_META, MathBenchmark, text_field
from evalscope.registry import register

PROMPT = ("\nSolve the following math problem step by step. Put your answer inside \\boxed{{}}.\n\n{query}\n\n"
          "Remember to put your answer inside \\boxed{{}}.")


def _meta(name: str, year: str) -> BenchmarkMeta:
    return BenchmarkMeta(name=name, pretty_name=f"AIME-{year}", dataset_id=f"evalscope/{name}",
                         subsets=("default",), eval_split="test", prompt_template=PROMPT, **MATH_META)


@register("benchmark", "aime24")
class AIME24(MathBenchmark):
    meta = _meta("aime24", "2024")

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("id", index)), input=text_field(record, "problem", "question"),
                      target=text_field(record, "answer", "solution"), metadata={"url": record.get("url")})


@register("benchmark", "aime25")
class AIME25(AIME24):
    meta = _meta("aime25", "2025")
