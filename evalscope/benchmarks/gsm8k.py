"""GSM8K (OpenAI, Cobbe et al. 2021): grade-school math word problems; few-shot from train, last-number extraction,
``acc`` = numeric match.

Source: github.com/openai/grade-school-math ``grade_school_math/data/test.jsonl`` (= HF ``openai/gsm8k`` ``main``;
EvalScope ``AI-ModelScope/gsm8k``). Parity: on OpenAI's published ``example_model_solutions.jsonl`` (the 6B/175B
finetuning and verification solutions of all 1,319 test problems, each marked ``is_correct`` by OpenAI) this
extraction and ``acc`` give OpenAI's verdict to all 5,276 solutions, so the four accuracies 21.68 / 39.04 / 34.72 /
56.25% are reproduced exactly (tests/unit/benchmarks/test_gsm8k_parity.py with ``EVALSCOPE_GSM8K_REFERENCE``).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.registry import register

PROMPT = "{query}\nPlease reason step by step, and put your final answer within \\boxed{{}}."
FEW_SHOT_HEADER = "Here are some examples of how to solve similar problems:\n\n"

_NUMBER = r"-?\$?\d[\d,]*(?:\.\d+)?|-?\$?\.\d+"


def _boxed(text: str) -> Optional[str]:
    """Content of the last ``\\boxed{...}`` (nested braces allowed)."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 1, start + len("\\boxed{")
    begin = i
    while i < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[begin : i - 1] if depth == 0 else None


def _clean_number(raw: str) -> str:
    number = raw.replace(",", "").replace("$", "").rstrip(".")
    if re.fullmatch(r"-?\d+\.0+", number):
        number = number.split(".")[0]
    return number


def extract_number(text: str) -> Optional[str]:
    """The final answer: the number in the last ``\\boxed{}``, else after ``####`` or "answer is",
    else the last number in the text; ``None`` when there is no number."""
    for candidate in (_boxed(text), *re.findall(r"####\s*(.+)", text)[-1:],
                      *re.findall(r"(?i)answer\s*(?:is|:)\s*([^\n]+)", text)[-1:]):
        if candidate:
            numbers = re.findall(_NUMBER, candidate)
            if numbers:
                return _clean_number(numbers[-1])
    numbers = re.findall(_NUMBER, text)
    return _clean_number(numbers[-1]) if numbers else None


@register("benchmark", "gsm8k")
class GSM8K(Benchmark):
    meta = BenchmarkMeta(
        name="gsm8k",
        pretty_name="GSM8K",
        tags=("Math", "Reasoning"),
        dataset_id="AI-ModelScope/gsm8k",
        hf_dataset_id="openai/gsm8k",
        subsets=("main",),
        single_subset_files=True,
        eval_split="test",
        train_split="train",
        few_shot_num=4,
        metric_list=("acc",),
        metric_map={"acc": "numeric_match"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        reasoning, _, answer = str(record["answer"]).rpartition("####")
        reasoning = re.sub(r"<<[^>]*>>", "", reasoning).strip()
        return Sample(id=str(record.get("id", index)), input=str(record["question"]),
                      target=_clean_number(answer.strip()), metadata={"reasoning": reasoning})

    def format_few_shot(self, sample: Sample) -> str:
        return (f"{sample.input_text}\n\nReasoning:\n{sample.metadata.get('reasoning', '')}\n\n"
                f"ANSWER: \\boxed{{{sample.target_text}}}")

    def few_shot_prefix(self, examples: list[Sample]) -> str:
        if not examples:
            return ""
        return FEW_SHOT_HEADER + "".join(self.format_few_shot(e) + "\n\n" for e in examples)

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_number(prediction) or ""
