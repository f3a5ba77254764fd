"""BLEU and ROUGE for free-form answers (pure Python; CJK text is compared by character)."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Sample

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; each CJK character is a token of its own."""
    return _TOKEN.findall(text.lower())


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def bleu(candidate: list[str], reference: list[str], max_n: int = 4) -> dict[str, float]:
    """Cumulative BLEU-1..max_n of one sentence pair; empty higher-order matches are smoothed (1/(total+1))."""
    out: dict[str, float] = {}
    if not candidate or not reference:
        return {f"bleu-{n}": 0.0 for n in range(1, max_n + 1)}
    bp = 1.0 if len(candidate) > len(reference) else math.exp(1 - len(reference) / len(candidate))
    log_sum = 0.0
    for n in range(1, max_n + 1):
        cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
        total = max(sum(cand.values()), 1)
        match = sum(min(c, ref[g]) for g, c in cand.items())
        if n == 1 and match == 0:  # nothing in common: every BLEU-n is 0
            return {f"bleu-{k}": 0.0 for k in range(1, max_n + 1)}
        precision = match / total if match else 1.0 / (total + 1)
        log_sum += math.log(precision)
        out[f"bleu-{n}"] = bp * math.exp(log_sum / n)
    return out


def _prf(match: int, cand: int, ref: int) -> tuple[float, float, float]:
    p = match / cand if cand else 0.0
    r = match / ref if ref else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _lcs(a: list[str], b: list[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge(candidate: list[str], reference: list[str]) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L precision, recall and F1 (EvalScope's key names)."""
    out: dict[str, float] = {}
    for n in (1, 2):
        cand, ref = _ngrams(candidate, n), _ngrams(reference, n)
        match = sum(min(c, ref[g]) for g, c in cand.items())
        p, r, f = _prf(match, sum(cand.values()), sum(ref.values()))
        out.update({f"Rouge-{n}-R": r, f"Rouge-{n}-P": p, f"Rouge-{n}-F": f})
    p, r, f = _prf(_lcs(candidate, reference), len(candidate), len(reference))
    out.update({"Rouge-L-R": r, "Rouge-L-P": p, "Rouge-L-F": f})
    return out


@register("metric", "BLEU")
def bleu_metric(answer: str, sample: "Sample") -> dict[str, float]:
    return bleu(tokenize(answer), tokenize(sample.target_text))


@register("metric", "Rouge")
def rouge_metric(answer: str, sample: "Sample") -> dict[str, float]:
    return rouge(tokenize(answer), tokenize(sample.target_text))
