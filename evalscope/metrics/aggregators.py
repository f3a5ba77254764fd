"""Aggregators: how the repeats of one sample become per-sample values, registered as ``aggregation:<name>``.

Each takes one metric's per-repeat values of one sample (and the extracted answers, for voting) and returns
named per-sample values; the engine averages them over samples (per subset; categories and the whole
benchmark as the Report's micro and macro means). Names follow EvalScope's reports: ``mean_acc``,
``mean_acc_pass@2``, ``mean_acc_vote@3``, ``mean_acc_pass^2``.

- ``mean``: the mean over repeats.
- ``pass@k``: the unbiased estimator of Chen et al. (2021), ``1 - C(n-c, k) / C(n, k)``, for k = 1..n, where a
  repeat counts as correct when its value is 1.
- ``maj@k`` (EvalScope: vote@k): among the first k repeats, the most frequent answer (ties: the first seen);
  1 when that answer was scored correct.
- ``pass^k``: the chance that k repeats drawn without replacement are all correct, ``C(c, k) / C(n, k)``.

EvalScope's ``aggregation`` values are compositions: ``mean_and_pass_at_k`` = mean + pass@k,
``mean_and_vote_at_k`` = mean + maj@k, ``mean_and_pass_hat_k`` = mean + pass^k.
"""

from __future__ import annotations

from collections import Counter
from math import comb
from typing import Callable, Sequence, Union

from evalscope.errors import ConfigError
from evalscope.registry import RegistryError, register, registry

AggregatorFn = Callable[[str, Sequence[float], Sequence[str]], dict[str, float]]

COMPOSITIONS = {
    "mean_and_pass_at_k": ("mean", "pass@k"),
    "mean_and_vote_at_k": ("mean", "maj@k"),
    "mean_and_pass_hat_k": ("mean", "pass^k"),
}


def _correct(values: Sequence[float]) -> int:
    return sum(1 for v in values if v >= 1.0)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one sample with ``n`` repeats of which ``c`` are correct."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k: the chance that ``k`` of the ``n`` repeats, drawn without replacement, are all correct."""
    return comb(c, k) / comb(n, k) if k <= n else 0.0


@register("aggregation", "mean")
def mean(metric: str, values: Sequence[float], answers: Sequence[str]) -> dict[str, float]:
    return {f"mean_{metric}": sum(values) / len(values)} if values else {}


@register("aggregation", "pass@k")
def pass_at_k_all(metric: str, values: Sequence[float], answers: Sequence[str]) -> dict[str, float]:
    n, c = len(values), _correct(values)
    return {f"mean_{metric}_pass@{k}": pass_at_k(n, c, k) for k in range(1, n + 1)}


@register("aggregation", "pass^k")
def pass_hat_k_all(metric: str, values: Sequence[float], answers: Sequence[str]) -> dict[str, float]:
    n, c = len(values), _correct(values)
    return {f"mean_{metric}_pass^{k}": pass_hat_k(n, c, k) for k in range(1, n + 1)}


@register("aggregation", "maj@k")
def majority_at_k(metric: str, values: Sequence[float], answers: Sequence[str]) -> dict[str, float]:
    out = {}
    for k in range(1, len(values) + 1):
        counts = Counter(answers[:k])
        top = max(counts.values())
        winner = next(a for a in answers[:k] if counts[a] == top)  # ties: the first seen
        out[f"mean_{metric}_vote@{k}"] = float(any(a == winner and v >= 1.0 for a, v in zip(answers[:k], values)))
    return out


def resolve(spec: Union[str, Sequence[str], None]) -> list[tuple[str, AggregatorFn]]:
    """The aggregators an ``aggregation`` setting names (EvalScope's compositions expanded); config errors named."""
    names: list[str] = []
    for item in [spec or "mean"] if isinstance(spec, str) or spec is None else list(spec):
        names.extend(COMPOSITIONS.get(item, (item,)))
    chain = []
    for name in dict.fromkeys(names):
        try:
            chain.append((name, registry.get("aggregation", name)))
        except RegistryError as exc:
            known = ", ".join(sorted(COMPOSITIONS))
            raise ConfigError(f"aggregation: {exc} (or one of EvalScope's: {known})") from None
    return chain


def aggregate(chain: list[tuple[str, AggregatorFn]], per_repeat: Sequence[dict[str, float]],
              answers: Sequence[str]) -> dict[str, float]:
    """One sample's values: every aggregator over every metric the repeats were scored on."""
    metrics: dict[str, None] = {}
    for score in per_repeat:
        metrics.update(dict.fromkeys(score))
    out: dict[str, float] = {}
    for metric in metrics:
        pairs = [(s[metric], a) for s, a in zip(per_repeat, answers) if metric in s]
        values, texts = [v for v, _ in pairs], [a for _, a in pairs]
        for _, fn in chain:
            out.update(fn(metric, values, texts))
    return out
