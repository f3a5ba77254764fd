"""DROP's exact match and F1 as the official script defines them (allenai/allennlp-reading-comprehension
``allennlp_rc/eval/drop_eval.py``; the same definitions EvalScope and simple-evals use).

An answer is a list of spans. Each span is normalized token by token (tokens split on spaces and hyphens): lower
case, punctuation removed unless the token is a number, numbers written as floats (``12`` -> ``12.0``, ``1.2e1`` ->
``12.0``), the articles a/an/the removed, whitespace collapsed. EM: the predicted spans equal the gold spans as
sets of normalized strings, with the same count. F1: each span becomes a bag (set) of tokens; predicted and gold
bags are aligned one to one to maximize the summed bag F1 (a pair scores 0 when the gold bag holds a number the
predicted bag lacks); F1 is the mean over max(#gold, #predicted) slots, rounded to 2 places. A question's score
is the best over its gold answers (the answer and the validated answers), skipping empty ones.
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


def _best_assignment(scores: list[list[float]]) -> float:
    """The largest sum of a one-to-one assignment of rows to columns (each row and column used at most once):
    a dynamic programme over the subsets of the smaller side, exact like the Hungarian method the official script
    calls (scipy's ``linear_sum_assignment``)."""
    if not scores or not scores[0]:
        return 0.0
    if len(scores) > len(scores[0]):
        scores = [list(col) for col in zip(*scores)]
    rows = len(scores)
    if rows > 16:
        raise ValueError(f"DROP F1: {rows} spans on each side is more than this alignment handles (16)")
    best = {0: 0.0}  # mask of the rows used -> best sum so far
    for column in zip(*scores):
        step = dict(best)
        for mask, total in best.items():
            for r in range(rows):
                if not mask & (1 << r):
                    key, value = mask | (1 << r), total + column[r]
                    if value > step.get(key, -1.0):
                        step[key] = value
        best = step
    return max(best.values())


def drop_metrics(predicted: Spans, gold: Spans) -> tuple[float, float]:
    """(EM, F1) of a predicted answer against one gold answer, each a span or a list of spans."""
    pred_norm, pred_bags = _bags(predicted)
    gold_norm, gold_bags = _bags(gold)
    em = float(set(pred_norm) == set(gold_norm) and len(pred_norm) == len(gold_norm))
    scores = [[_bag_f1(p, g) if _numbers_agree(g, p) else 0.0 for p in pred_bags] for g in gold_bags]
    f1 = _best_assignment(scores) / max(len(gold_bags), len(pred_bags))
    return em, round(f1, 2)


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
