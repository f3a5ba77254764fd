"""Per-sample metrics (pure functions), registered as ``metric:<name>``; aggregation is in ``evalscope.native.aggregate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from evalscope.registry import register, registry

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Sample

MetricFn = Callable[[str, "Sample"], "float | dict[str, float]"]


def compute_metric(name: str, answer: str, sample: "Sample") -> "float | dict[str, float]":
    """One metric of one sample: a value, or several named values (``Rouge`` -> ``Rouge-L-R``, ...)."""
    fn: MetricFn = registry.get("metric", name)
    value = fn(answer, sample)
    if isinstance(value, dict):
        return {k: float(v) for k, v in value.items()}
    return float(value)


def compute_metrics(names: list[str], answer: str, sample: "Sample") -> dict[str, float]:
    """Every metric of ``names`` for one sample, flattened into one name -> value dict."""
    out: dict[str, float] = {}
    for name in names:
        value = compute_metric(name, answer, sample)
        if isinstance(value, dict):
            out.update(value)
        else:
            out[name] = value
    return out


def _norm(text: str) -> str:
    return " ".join(text.strip().split())


@register("metric", "exact_match")
def exact_match(answer: str, sample: "Sample") -> float:
    """1.0 when the answer equals the target exactly (surrounding whitespace ignored)."""
    return float(answer.strip() == sample.target.strip())


@register("metric", "acc")
def accuracy(answer: str, sample: "Sample") -> float:
    """1.0 when the answer equals the target, ignoring case and runs of whitespace."""
    return float(_norm(answer).lower() == _norm(sample.target).lower())


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


@register("metric", "numeric_match")
def numeric_match(answer: str, sample: "Sample") -> float:
    """1.0 when both parse as numbers that are equal (relative tolerance 1e-6)."""
    a, b = parse_number(answer), parse_number(sample.target)
    if a is None or b is None:
        return 0.0
    return float(abs(a - b) <= 1e-6 * max(1.0, abs(b)))
