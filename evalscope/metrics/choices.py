"""Scores of answers that name a set of choices (TruthfulQA MC2 by generation: "ANSWER: A,C").

``choice_subset_recall`` is EvalScope's ``multi_choice_acc``: the answer's letters (``"AC"``) must all be true
choices (the sample's target, the true letters ``"ACE"``), else 0; then the share of the true choices named. One true
choice makes it exact match of the letter; naming every true choice and no false one gives 1.0.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Sample


def letters(text: str) -> set[str]:
    """The capital letters of ``text`` (``"A, C"`` -> ``{"A", "C"}``)."""
    return set(re.findall(r"[A-Z]", text))


@register("metric", "choice_subset_recall")
def choice_subset_recall(answer: str, sample: "Sample") -> float:
    """0 when the answer names a false choice; else the share of the true choices (``sample.target``) it names."""
    chosen, true = letters(answer), letters(sample.target_text)
    if not true or not chosen <= true:
        return 0.0
    return len(chosen) / len(true)
