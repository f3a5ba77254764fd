"""``MetricScorer``: the scorer of rule metrics (pure, synchronous: the engine runs it off the event loop)."""

from __future__ import annotations

from typing import Mapping, Sequence

from evalscope.api.dataset import Sample
from evalscope.api.scoring import Answer, Score
from evalscope.errors import ConfigError
from evalscope.metrics import compute_metric
from evalscope.metrics.reference_judge import ReferenceJudged
from evalscope.registry import RegistryError, registry, unknown_name_message


class MetricScorer(ReferenceJudged):
    """Scores each answer with registered metrics, under the benchmark's display names (``judge_strategy``
    ``llm``/``llm_recall`` add a judge of the primary metric: ``evalscope.metrics.reference_judge``).

    ``names`` are what the report shows (``acc``); ``metric_map`` says which registered metric computes each
    (``{"acc": "numeric_match"}``); a name not in the map is a registered metric's own name.
    """

    def __init__(self, names: Sequence[str], metric_map: Mapping[str, str] | None = None) -> None:
        self.names = tuple(names)
        self.resolved = {name: (metric_map or {}).get(name, name) for name in self.names}
        for name, metric in self.resolved.items():
            try:
                registry.get("metric", metric)
            except RegistryError:
                known = sorted(set(registry.names("metric")) | set(metric_map or {}))
                raise ConfigError("metric_list: " + unknown_name_message("metric", name, known)) from None
        self.metrics = self.names

    def score_one(self, sample: Sample, answer: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, metric in self.resolved.items():
            value = compute_metric(metric, answer, sample)
            if isinstance(value, dict):
                out.update(value)
            else:
                out[name] = value
        return out

    def rule_scores(self, sample: Sample, answers: list[Answer]) -> list[Score]:
        return [Score(value=self.score_one(sample, a.extracted), answer=a.extracted) for a in answers]
