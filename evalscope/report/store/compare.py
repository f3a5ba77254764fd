"""Comparing runs: scores side by side per benchmark and subset, and the samples whose outcome differs."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from evalscope.report.schema import Report
from evalscope.report.store.models import SampleRow


class Column(BaseModel):
    """One side of a comparison: a model in a run."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    run_id: str
    """The run."""
    model: str
    """The model in that run."""
    label: str
    """How the column is headed."""


class ScoreRow(BaseModel):
    """One benchmark (``subset`` None: its overall score) or one subset, across the columns."""

    model_config = ConfigDict(extra="forbid")

    benchmark: str
    """Benchmark name."""
    metric: str
    """The primary metric's name (the first column's)."""
    subset: Optional[str] = None
    """Subset, or ``None`` for the benchmark's overall row."""
    scores: list[Optional[float]] = Field(default_factory=list)
    """One per column; ``None`` when that column lacks it."""
    nums: list[int] = Field(default_factory=list)
    """Sample counts, one per column."""


class Difference(BaseModel):
    """A sample scored differently by the columns."""

    model_config = ConfigDict(extra="forbid")

    subset: str
    """Subset (file) it belongs to."""
    sample_id: str
    """Its key."""
    repeat: Any = 0
    """Which repeat."""
    scores: list[Optional[float]]
    """Main score per column (``None``: not scored or missing)."""
    rows: list[Optional[SampleRow]] = Field(default_factory=list)
    """The rows themselves, one per column (for the first differences only)."""


def score_rows(columns: list[tuple[Column, list[Report]]]) -> list[ScoreRow]:
    """Overall and per-subset primary scores of every benchmark any column has, in first-seen order."""
    benchmarks: dict[str, str] = {}
    for _, reports in columns:
        for r in reports:
            if r.metrics:
                benchmarks.setdefault(r.dataset_name, r.metrics[0].name)
    rows = []
    for bench, metric in benchmarks.items():
        found = [_report(reports, col.model, bench) for col, reports in columns]
        rows.append(ScoreRow(benchmark=bench, metric=metric, scores=[r.score if r else None for r in found],
                             nums=[r.num if r else 0 for r in found]))
        subsets: dict[str, None] = {}
        for r in found:
            if r:
                subsets.update({s.name: None for c in r.metrics[0].categories for s in c.subsets})
        if len(subsets) > 1:
            for name in subsets:
                pairs = [_subset(r, name) for r in found]
                rows.append(ScoreRow(benchmark=bench, metric=metric, subset=name,
                                     scores=[p[0] for p in pairs], nums=[p[1] for p in pairs]))
    return rows


def _report(reports: list[Report], model: str, bench: str) -> Optional[Report]:
    return next((r for r in reports if r.model_name == model and r.dataset_name == bench), None)


def _subset(report: Optional[Report], name: str) -> tuple[Optional[float], int]:
    if report is None or not report.metrics:
        return None, 0
    for category in report.metrics[0].categories:
        for subset in category.subsets:
            if subset.name == name:
                return subset.score, subset.num
    return None, 0


def differences(outcomes: list[dict[tuple, tuple[Optional[float], bool]]]) -> list[Difference]:
    """Samples present in every column whose main scores (or error states) are not all equal."""
    if not outcomes:
        return []
    common = set(outcomes[0]).intersection(*outcomes[1:])
    out = []
    for key in sorted(common, key=lambda k: (k[0], str(k[1]), str(k[2]))):
        values = [o[key] for o in outcomes]
        if len({v for v in values}) > 1:
            out.append(Difference(subset=key[0], sample_id=key[1], repeat=key[2], scores=[v[0] for v in values]))
    return out
