"""Shared multiple-choice prompting and answer extraction (MMLU, ARC, C-Eval, general_mcq)."""

from __future__ import annotations

import re
import string
from typing import Any, Optional

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark

LETTERS = string.ascii_uppercase

MCQ_TEMPLATE = (
    "Answer the following multiple choice question. The last line of your response should be of the "
    "following format: 'ANSWER: [LETTER]' (without quotes) where [LETTER] is one of {letters}. "
    "Think step by step before answering.\n\n{query}\n\n{choices}"
)

MCQ_TEMPLATE_ZH = (
    "回答下面的单项选择题，请选出其中的正确答案。你的回答的最后一行应该是这样的格式：\"答案：[LETTER]\"（不带引号），"
    "其中 [LETTER] 是 {letters} 中的一个。请在回答前进行一步步思考。\n\n问题：{query}\n选项：\n{choices}"
)


def normalize_label(label: Any, n_choices: int) -> str:
    """A choice label as a letter: ``"B"`` stays, ``"2"``/``2`` (1-based) -> ``"B"``, ``1`` (0-based int) -> ``"B"``."""
    if isinstance(label, int):
        return LETTERS[label]
    text = str(label).strip()
    if text.isdigit():
        index = int(text) - 1
        if 0 <= index < n_choices:
            return LETTERS[index]
        raise ValueError(f"choice label {label!r} is out of range for {n_choices} choices")
    text = text.upper()
    if len(text) == 1 and text in LETTERS[:n_choices]:
        return text
    raise ValueError(f"choice label {label!r} is not a letter or a number")


def format_choices(choices: list[str]) -> str:
    return "\n".join(f"{LETTERS[i]}) {c}" for i, c in enumerate(choices))


_PATTERNS = [
    r"(?i)ANSWER\s*[:：]\s*\**\s*\(?([A-Z])\b",
    r"答案\s*[:：是为]?\s*\**\s*\(?([A-Z])\b",
    r"(?i)answer\s+is\s*[:：]?\s*\**\s*\(?([A-Z])\b",
    r"(?i)\\boxed\{\s*\(?([A-Z])\)?\s*\}",
]


def extract_choice(text: str, n_choices: int) -> str:
    """The chosen letter in a model's answer; ``""`` when it names none.

    Tries, in order: the last ``ANSWER: X`` (or ``答案：X``, ``answer is X``, ``\\boxed{X}``); a reply
    that is just the letter (``B``, ``(B)``, ``B.``).
    """
    valid = LETTERS[:n_choices]
    for pattern in _PATTERNS:
        hits = [h.upper() for h in re.findall(pattern, text) if h.upper() in valid]
        if hits:
            return hits[-1]
    bare = re.fullmatch(r"\s*\(?([A-Za-z])\)?[.:]?\s*", text)
    if bare and bare.group(1).upper() in valid:
        return bare.group(1).upper()
    return ""


class MultipleChoiceBenchmark(Benchmark):
    """A benchmark whose samples have ``choices`` and a letter ``target``; ``acc`` is the extracted letter's
    exact match (``meta.metric_map``)."""

    chinese: bool = False
    template_fields = ("query", "choices", "letters")  # the prompt_template placeholders it fills

    def format_query(self, sample: Sample) -> str:
        choices = sample.choices or []
        template = self.args.prompt_template or (MCQ_TEMPLATE_ZH if self.chinese else self.meta.prompt_template)
        return template.format(query=sample.input_text, choices=format_choices(choices),
                               letters=",".join(LETTERS[: len(choices)]))

    def format_few_shot(self, sample: Sample) -> str:
        marker = "答案" if self.chinese else "ANSWER"
        return f"{self.format_query(sample)}\n\n{marker}: {sample.target_text}"

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_choice(prediction, len(sample.choices or []))


def mcq_sample(index: int, question: str, choices: list[str], answer: Any, record_id: Optional[str] = None,
               **metadata: Any) -> Sample:
    return Sample(id=str(record_id if record_id is not None else index), input=question.strip(),
                  choices=[str(c) for c in choices], target=normalize_label(answer, len(choices)),
                  metadata=metadata)
