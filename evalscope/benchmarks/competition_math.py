"""Competition MATH (Hendrycks et al., 2021): 12,500 competition problems (7 subjects, 5 levels), 5,000 in test.

Source: HF ``hendrycks/competition_math`` / EvalScope's ``evalscope/competition_math``; rows ``problem``,
``level`` (``Level 1`` .. ``Level 5``), ``type``, ``solution`` (LaTeX with the answer in ``\\boxed{}``), files
``test.jsonl`` and ``train.jsonl`` split by ``level`` into EvalScope's subsets. 4-shot from train with EvalScope's
``Problem:/Solution:`` prompt; the reference is the last ``\\boxed{}`` of ``solution``; ``acc`` is math-verify
equivalence to it.

Official number reproduced: on MATH-500's rows (the same problems and solutions), every reference solution scores
1.0 against its own boxed answer (tests/unit/benchmarks/test_math_benchmarks.py).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.math_500 import LEVELS, level_of
from evalscope.benchmarks.math_base import MATH_META, MathBenchmark
from evalscope.registry import register

PROMPT = "Problem:\n{query}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}.\n"
FEW_SHOT_HEADER = "Here are some examples of how to solve similar problems:\n\n"


@register("benchmark", "competition_math")
class CompetitionMath(MathBenchmark):
    meta = BenchmarkMeta(
        name="competition_math",
        pretty_name="Competition-MATH",
        dataset_id="evalscope/competition_math",
        hf_dataset_id="hendrycks/competition_math",
        subsets_from_column=True,
        subsets=LEVELS,
        single_subset_files=True,
        eval_split="test",
        train_split="train",
        few_shot_num=4,
        prompt_template=PROMPT,
        **MATH_META,
    )

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        return level_of(record) == subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        from evalscope.metrics.math import last_boxed

        solution = str(record["solution"])
        target = last_boxed(solution)
        if target is None:
            raise ValueError("its solution has no \\boxed{} answer")
        return Sample(id=str(record.get("id", index)), input=str(record["problem"]), target=target, subset=subset,
                      metadata={"type": record.get("type"), "solution": solution})

    def format_few_shot(self, sample: Sample) -> str:
        return f"Problem:\n{sample.input_text}\nSolution:\n{sample.metadata.get('solution') or sample.target_text}"

    def few_shot_prefix(self, examples: list[Sample]) -> str:
        if not examples:
            return ""
        return FEW_SHOT_HEADER + "".join(self.format_few_shot(e) + "\n\n" for e in examples)
