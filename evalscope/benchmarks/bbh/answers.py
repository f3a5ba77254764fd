"""BBH answers: the task type of each of the 27 tasks, and the answer read from a chain-of-thought reply.

The BBH authors score by exact match of the text after the last "So the answer is " (first line, final period
dropped) against the target. Here that span is read the same way, then put in the task's canonical form so that
replies which say the same answer differently still match: a letter for multiple choice (``(B)``, ``B``,
``**(B)**`` -> ``B``), the task's own word for the yes/no, True/False and valid/invalid tasks (any case, markdown
and punctuation ignored), a number for the arithmetic and counting tasks (``1,024`` -> ``1024``, ``6.0`` -> ``6``,
the first number of the span), the closing brackets for Dyck languages (``]]>`` -> ``] ] >``), and the words for
word sorting (commas and case ignored). The targets are put in the same form, so ``acc`` is their exact match.
"""

from __future__ import annotations

import re
from typing import Optional

MULTIPLE_CHOICE = (
    "temporal_sequences", "disambiguation_qa", "date_understanding", "tracking_shuffled_objects_three_objects",
    "penguins_in_a_table", "geometric_shapes", "snarks", "ruin_names", "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_five_objects", "logical_deduction_three_objects", "hyperbaton",
    "logical_deduction_five_objects", "logical_deduction_seven_objects", "movie_recommendation",
    "salient_translation_error_detection", "reasoning_about_colored_objects",
)
"""EvalScope's multiple-choice subsets, in its order."""
FREE_FORM = (
    "multistep_arithmetic_two", "navigate", "dyck_languages", "word_sorting", "sports_understanding",
    "boolean_expressions", "object_counting", "formal_fallacies", "causal_judgement", "web_of_lies",
)
"""EvalScope's free-form subsets, in its order."""
SUBSETS = MULTIPLE_CHOICE + FREE_FORM

BOOLEAN_WORDS: dict[str, tuple[str, str]] = {
    "boolean_expressions": ("True", "False"),
    "causal_judgement": ("Yes", "No"),
    "formal_fallacies": ("valid", "invalid"),
    "navigate": ("Yes", "No"),
    "sports_understanding": ("yes", "no"),
    "web_of_lies": ("Yes", "No"),
}
"""The two answers of each two-answer task, spelled as its targets are."""
NUMERIC = ("multistep_arithmetic_two", "object_counting")


def task_type(task: str) -> str:
    """``multiple_choice``, ``boolean``, ``numeric``, ``dyck``, or ``free_form`` (word sorting)."""
    if task in MULTIPLE_CHOICE:
        return "multiple_choice"
    if task in BOOLEAN_WORDS:
        return "boolean"
    if task in NUMERIC:
        return "numeric"
    if task == "dyck_languages":
        return "dyck"
    if task in FREE_FORM:
        return "free_form"
    raise ValueError(f"unknown BBH task {task!r}")


_MARKER = re.compile(r"(?i)\bthe (?:final )?answer is\b\s*:?")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_BRACKETS = re.compile(r"[()\[\]{}<>]")


def answer_span(reply: str) -> str:
    """The text after the last "the answer is" (its first line, markdown bold and a final period removed); a reply
    without that phrase is an answer only when it is one line (a bare ``(B)``), else ``""`` (a cut-off chain of
    thought names no answer)."""
    hits = list(_MARKER.finditer(reply))
    if hits:
        span = reply[hits[-1].end():].strip().split("\n", 1)[0]
    else:
        span = reply.strip()
        if "\n" in span:
            return ""
    span = span.replace("**", "").strip()
    return span[:-1].strip() if span.endswith(".") else span


def marked(reply: str) -> bool:
    """Whether the reply says "the answer is"."""
    return _MARKER.search(reply) is not None


def canonical(text: str, task: str, anywhere: bool = True) -> str:
    """``text`` (an answer span or a target) in the task's canonical form; ``""`` when it holds no answer.
    ``anywhere=False``: a multiple-choice letter counts only at the start (a reply without "the answer is")."""
    kind = task_type(task)
    if kind == "multiple_choice":
        return _letter(text, anywhere) or ""
    if kind == "boolean":
        return _boolean(text, BOOLEAN_WORDS[task]) or ""
    if kind == "numeric":
        return _number(text) or ""
    if kind == "dyck":
        return " ".join(_BRACKETS.findall(text))
    return " ".join(text.replace(",", " ").lower().split())


def extract(reply: str, task: str) -> str:
    """The canonical answer of a model's reply to a question of ``task``."""
    return canonical(answer_span(reply), task, anywhere=marked(reply))


def _letter(span: str, anywhere: bool) -> Optional[str]:
    """The one option letter of the span: ``(B)`` anywhere in it (``anywhere``) or a ``(B)``, ``B)``, ``B`` at its
    start; two letters (a hedged "(A) or (B)") are no answer."""
    letters = set(re.findall(r"\(([A-R])\)", span)) if anywhere else set()
    if len(letters) > 1:
        return None
    if letters:
        return letters.pop()
    match = re.match(r"\s*(?:\$?\\boxed\{)?\s*[\[(]?([A-R])\b", span)
    return match.group(1) if match else None


def _boolean(span: str, words: tuple[str, str]) -> Optional[str]:
    first = re.match(r"[\W_]*(\w+)", span)
    if not first:
        return None
    word = first.group(1).lower()
    return next((w for w in words if w.lower() == word), None)


def _number(span: str) -> Optional[str]:
    match = _NUMBER.search(span.replace("\u2212", "-"))
    if not match:
        return None
    value = float(match.group(0).replace(",", ""))
    return str(int(value)) if value.is_integer() else repr(value)
