"""Short-answer QA metrics as SQuAD's and TriviaQA's official scripts define them: answers normalized (lower case,
punctuation and the articles a/an/the removed, whitespace collapsed), then exact match or token F1, the best over
the reference answers (aliases)."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import TYPE_CHECKING

from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Sample

_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def token_f1(answer: str, reference: str) -> float:
    a, r = normalize_answer(answer).split(), normalize_answer(reference).split()
    common = sum((Counter(a) & Counter(r)).values())
    if not a or not r or not common:
        return float(a == r)
    p, rec = common / len(a), common / len(r)
    return 2 * p * rec / (p + rec)


@register("metric", "qa_exact_match")
def qa_exact_match(answer: str, sample: "Sample") -> float:
    """1.0 when the normalized answer equals a normalized reference (SQuAD/TriviaQA EM)."""
    norm = normalize_answer(answer)
    return float(bool(norm) and any(norm == normalize_answer(t) for t in sample.targets))


@register("metric", "qa_f1")
def qa_f1(answer: str, sample: "Sample") -> float:
    """The best token F1 of the normalized answer against the references (SQuAD F1)."""
    return max((token_f1(answer, t) for t in sample.targets), default=0.0)
