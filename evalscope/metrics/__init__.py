"""Per-answer metrics (pure functions ``fn(answer, sample) -> float | {name: float}``), registered as ``metric:<name>``.

A metric's registered name says what it computes (``exact_match``, ``normalized_match``, ``numeric_match``);
display names such as ``acc`` are a benchmark's own and map onto these through ``BenchmarkMeta.metric_map``.
The scorer that runs them is ``evalscope.metrics.scorer.MetricScorer``; aggregation over repeats and samples
is ``evalscope.metrics.aggregators``.
"""

from __future__ import annotations

from typing import Callable, Union

from evalscope.api.dataset import Sample
from evalscope.registry import register, registry

MetricFn = Callable[[str, Sample], Union[float, dict[str, float]]]


def compute_metric(name: str, answer: str, sample: Sample) -> Union[float, dict[str, float]]:
    """One registered metric of one answer: a value, or several named values (``Rouge`` -> ``Rouge-L-R``, ...)."""
    fn: MetricFn = registry.get("metric", name)
    value = fn(answer, sample)
    if isinstance(value, dict):
        return {k: float(v) for k, v in value.items()}
    return float(value)


def _norm(text: str) -> str:
    return " ".join(text.strip().split()).lower()


def _best(answer: str, sample: Sample, same: Callable[[str, str], bool]) -> float:
    """1.0 when the answer matches any of the sample's reference answers."""
    return float(any(same(answer, t) for t in sample.targets))


@register("metric", "exact_match")
def exact_match(answer: str, sample: Sample) -> float:
    """1.0 when the answer equals a reference exactly (surrounding whitespace ignored)."""
    return _best(answer, sample, lambda a, t: a.strip() == t.strip())


@register("metric", "normalized_match")
def normalized_match(answer: str, sample: Sample) -> float:
    """1.0 when the answer equals a reference ignoring case and runs of whitespace."""
    return _best(answer, sample, lambda a, t: _norm(a) == _norm(t))


def parse_number(text: str) -> float | None:
    """A number written as ``1,234``, ``$5``, ``-3.50``, ``7%`` or ``1/2``; ``None`` if it is not one."""
    t = text.strip().replace(",", "").replace("$", "").rstrip("%").rstrip(".").strip()
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        pass
    num, sep, den = t.partition("/")
    if sep:
        try:
            return float(num) / float(den)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _numbers_equal(answer: str, target: str) -> bool:
    a, b = parse_number(answer), parse_number(target)
    return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b))


@register("metric", "numeric_match")
def numeric_match(answer: str, sample: Sample) -> float:
    """1.0 when the answer and a reference parse as equal numbers (relative tolerance 1e-6)."""
    return _best(answer, sample, _numbers_equal)
