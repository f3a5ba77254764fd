"""DROP's exact match and F1 as the official script defines them (allenai/allennlp-reading-comprehension
``allennlp_rc/eval/drop_eval.py``; the same definitions EvalScope and simple-evals use).

An answer is a list of spans. Each span is normalized token by token (tokens split on spaces and hyphens): lower
case, punctuation removed unless the token is a number, numbers written as floats (``12`` -> ``12.0``, ``1.2e1`` ->
``12.0``), the articles a/an/the removed, whitespace collapsed. EM: the predicted spans equal the gold spans as
sets of normalized strings, with the same count. F1: each span becomes a bag (set) of tokens; predicted and gold
bags are aligned one to one to maximize the summed bag F1 (a pair scores 0 when the gold bag holds a number the
predicted bag lacks); F1 is the mean over max(#gold, #predicted) slots, rounded to 2 places. The mean and the rounding
are numpy's, as the official script computes them (``np.mean``, then ``round`` of an ``np.float64``, which rounds
``x * 100`` half to even: 0.325 -> 0.32 where Python's ``round`` gives 0.33), without needing numpy or scipy. A
question's score is the best over its gold answers (the answer and the validated answers), skipping empty ones.
"""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Sequence, Union

from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Sample

Spans = Union[str, Sequence[str]]
_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _normalize_token(token: str) -> str:
    token = token.lower()
    if not _is_number(token):
        token = "".join(ch for ch in token if ch not in _PUNCT)
    if _is_number(token):
        token = str(float(token))
    return " ".join(_ARTICLES.sub(" ", token).split())


def normalize(span: str) -> str:
    """One span as the official script normalizes it."""
    return " ".join(t for t in (_normalize_token(tok) for tok in re.split(" |-", span)) if t.strip()).strip()


def _bags(answer: Spans) -> tuple[list[str], list[set[str]]]:
    spans = [answer] if isinstance(answer, str) else list(answer)
    normalized = [normalize(s) for s in spans]
    return normalized, [set(n.split()) for n in normalized]


def _bag_f1(predicted: set[str], gold: set[str]) -> float:
    common = len(gold & predicted)
    precision = common / len(predicted) if predicted else 1.0
    recall = common / len(gold) if gold else 1.0
    return 0.0 if precision == 0.0 and recall == 0.0 else 2 * precision * recall / (precision + recall)


def _numbers_agree(gold: set[str], predicted: set[str]) -> bool:
    gold_numbers = {w for w in gold if _is_number(w)}
    return not gold_numbers or bool(gold_numbers & {w for w in predicted if _is_number(w)})


def _best_assignment(scores: list[list[float]]) -> list[tuple[int, int]]:
    """A one-to-one assignment of rows to columns (``(row, column)`` pairs) with the largest sum: a dynamic programme
    over the subsets of the smaller side, exact like the Hungarian method the official script calls (scipy's
    ``linear_sum_assignment``; where several assignments tie, it may pick another of them)."""
    if not scores or not scores[0]:
        return []
    flip = len(scores) > len(scores[0])
    matrix = [list(col) for col in zip(*scores)] if flip else scores
    rows = len(matrix)
    if rows > 16:
        raise ValueError(f"DROP F1: {rows} spans on each side is more than this alignment handles (16)")
    best: dict[int, tuple[float, tuple[tuple[int, int], ...]]] = {0: (0.0, ())}  # rows used -> (sum, pairs)
    for c, column in enumerate(zip(*matrix)):
        step = dict(best)
        for mask, (total, pairs) in best.items():
            for r in range(rows):
                if not mask & (1 << r):
                    key, value = mask | (1 << r), total + column[r]
                    if key not in step or value > step[key][0]:
                        step[key] = (value, pairs + ((r, c),))
        best = step
    pairs = max(best.values(), key=lambda item: (item[0], len(item[1])))[1]  # full, as scipy's
    return [(c, r) for r, c in pairs] if flip else list(pairs)


def _numpy_sum(values: list[float]) -> float:
    """``numpy.sum`` of a float64 vector, in numpy's order (pairwise, eight accumulators), so that the mean rounds
    exactly as the official script's ``np.mean`` does."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n <= 128:
        acc = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                acc[j] += values[i + j]
            i += 8
        total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        for v in values[i:]:
            total += v
        return total
    half = n // 2
    half -= half % 8
    return _numpy_sum(values[:half]) + _numpy_sum(values[half:])


def _numpy_round2(value: float) -> float:
    """``round(numpy.float64, 2)``: the value times 100 rounded half to even, divided by 100 (Python's ``round(x, 2)``
    rounds the exact decimal value instead and differs in about 1% of DROP's F1s)."""
    return round(value * 100) / 100


def drop_metrics(predicted: Spans, gold: Spans) -> tuple[float, float]:
    """(EM, F1) of a predicted answer against one gold answer, each a span or a list of spans."""
    pred_norm, pred_bags = _bags(predicted)
    gold_norm, gold_bags = _bags(gold)
    em = float(set(pred_norm) == set(gold_norm) and len(pred_norm) == len(gold_norm))
    scores = [[_bag_f1(p, g) if _numbers_agree(g, p) else 0.0 for p in pred_bags] for g in gold_bags]
    per_slot = [0.0] * max(len(gold_bags), len(pred_bags))
    for row, column in _best_assignment(scores):
        per_slot[row] = max(per_slot[row], scores[row][column])
    return em, _numpy_round2(_numpy_sum(per_slot) / len(per_slot))


def best_drop_metrics(predicted: Spans, golds: Sequence[Spans]) -> tuple[float, float]:
    """The best (EM, F1) over the gold answers, ignoring empty ones (the official ``evaluate_json``)."""
    em = f1 = 0.0
    for gold in golds:
        first = gold if isinstance(gold, str) else (gold[0] if gold else "")
        if not first.strip():
            continue
        e, f = drop_metrics(predicted, gold)
        em, f1 = max(em, e), max(f1, f)
    return em, f1


def _golds(sample: "Sample") -> list[list[str]]:
    golds = sample.metadata.get("gold_answers")
    return [list(g) for g in golds] if golds is not None else [[t] for t in sample.targets]


@register("metric", "drop_em")
def drop_em(answer: str, sample: "Sample") -> float:
    """DROP's exact match, the best over the sample's gold answers (``metadata.gold_answers``: lists of spans)."""
    return best_drop_metrics(answer, _golds(sample))[0]


@register("metric", "drop_f1")
def drop_f1(answer: str, sample: "Sample") -> float:
    """DROP's bag-of-words F1 with number matching and span alignment, the best over the gold answers."""
    return best_drop_metrics(answer, _golds(sample))[1]
