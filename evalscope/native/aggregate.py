"""Running per-subset sums of per-sample values -> the Report (memory flat in the number of samples).

A sample's repeats are reduced by the benchmark's aggregators (``evalscope.metrics.aggregators``) as soon as
they are all scored; only sums and counts per metric are kept.
"""

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
    """Answers to be asked (samples x repeats)."""
    scored: int = 0
    """Answers scored."""
    errored: int = 0
    """Answers whose request or scoring failed."""
    empty: int = 0
    """Scored answers the server sent without any text."""
    sums: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add_sample(self, values: dict[str, float], answers: int = 1) -> None:
        """One sample's aggregated values (``mean_acc``, ``mean_acc_pass@2``, ...), weighted by its scored answers.

        As in EvalScope, where each repeat carries its sample's value: a metric's ``num`` counts answers, and a
        sample with fewer scored repeats (some failed) weighs less.
        """
        for name, value in values.items():
            self.sums[name] += value * answers
            self.counts[name] += answers

    def mean(self, metric: str) -> float | None:
        n = self.counts.get(metric, 0)
        return self.sums[metric] / n if n else None


@dataclass
class Tally:
    """Per-subset running sums of one benchmark."""

    subsets: dict[str, SubsetTally] = field(default_factory=dict)

    def subset(self, name: str) -> SubsetTally:
        return self.subsets.setdefault(name, SubsetTally())

    @property
    def errored(self) -> int:
        return sum(s.errored for s in self.subsets.values())

    @property
    def empty(self) -> int:
        return sum(s.empty for s in self.subsets.values())


def build_report(benchmark: "Benchmark", model_name: str, tally: Tally) -> Report:
    """The Report of one benchmark: a metric per aggregated name, categories from the benchmark's map."""
    metrics = []
    names: dict[str, None] = {}  # metric names in the order samples first named them
    derived = {name: benchmark.subset_metrics(dict(t.sums)) for name, t in tally.subsets.items()}
    for values in derived.values():  # metrics of the subsets' totals come first
        names.update(dict.fromkeys(values))
    for t in tally.subsets.values():
        names.update(dict.fromkeys(t.sums))
    for metric_name in names or {f"mean_{m}": None for m in benchmark.metric_list}:
        by_category: dict[tuple[str, ...], list[Subset]] = defaultdict(list)
        for subset_name, t in tally.subsets.items():
            if metric_name in derived[subset_name]:
                score, num = derived[subset_name][metric_name], max(t.counts.values(), default=0)
            else:
                score, num = t.mean(metric_name), t.counts.get(metric_name, 0)
            by_category[benchmark.category_of(subset_name)].append(Subset(name=subset_name, score=score, num=num))
        categories = [Category(name=cat, subsets=subs) for cat, subs in by_category.items()]
        metrics.append(Metric(name=metric_name, categories=categories))
    execution = ExecutionSummary(
        requested=sum(t.requested for t in tally.subsets.values()),
        succeeded=sum(t.scored for t in tally.subsets.values()),
        errored=tally.errored,
        empty=tally.empty,
        subsets={
            name: ExecutionSubset(requested=t.requested, succeeded=t.scored, errored=t.errored, empty=t.empty)
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
        extra={"benchmark_version": benchmark.meta.version, "aggregation": benchmark.aggregation},
    )
