"""Running per-subset sums -> the Report (memory flat in the number of samples)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evalscope.report import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark


@dataclass
class SubsetTally:
    requested: int = 0
    scored: int = 0
    errored: int = 0
    sums: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add_score(self, score: dict[str, float]) -> None:
        self.scored += 1
        for name, value in score.items():
            self.sums[name] += value

    def mean(self, metric: str) -> float | None:
        return self.sums[metric] / self.scored if self.scored else None


@dataclass
class Tally:
    """Per-subset running sums of one benchmark."""

    subsets: dict[str, SubsetTally] = field(default_factory=dict)

    def subset(self, name: str) -> SubsetTally:
        return self.subsets.setdefault(name, SubsetTally())

    @property
    def errored(self) -> int:
        return sum(s.errored for s in self.subsets.values())


def build_report(benchmark: "Benchmark", model_name: str, tally: Tally, aggregation: str = "mean") -> Report:
    """The Report of one benchmark: a metric per name, categories from the benchmark's map."""
    metrics = []
    names: dict[str, None] = {}  # metric names in the order scores first named them
    for t in tally.subsets.values():
        names.update(dict.fromkeys(t.sums))
    for metric_name in names or dict.fromkeys(benchmark.metric_list):
        by_category: dict[tuple[str, ...], list[Subset]] = defaultdict(list)
        for subset_name, t in tally.subsets.items():
            by_category[benchmark.category_of(subset_name)].append(
                Subset(name=subset_name, score=t.mean(metric_name), num=t.scored)
            )
        categories = [Category(name=cat, subsets=subs) for cat, subs in by_category.items()]
        metrics.append(Metric(name=f"{aggregation}_{metric_name}", categories=categories))
    execution = ExecutionSummary(
        requested=sum(t.requested for t in tally.subsets.values()),
        succeeded=sum(t.scored for t in tally.subsets.values()),
        errored=tally.errored,
        subsets={
            name: ExecutionSubset(requested=t.requested, succeeded=t.scored, errored=t.errored)
            for name, t in tally.subsets.items()
        },
    )
    return Report(
        name=f"{model_name}@{benchmark.name}",
        model_name=model_name,
        dataset_name=benchmark.name,
        dataset_pretty_name=benchmark.meta.pretty_name,
        backend="Native",
        metrics=metrics,
        execution=execution,
        extra={"benchmark_version": benchmark.meta.version},
    )
