"""The versioned Report: the one output format every backend converts into.

Shape (EvalScope-compatible field names): a Report holds Metrics; a Metric holds Categories;
a Category holds Subsets with a score and a sample count. Category and metric scores are
computed from their subsets (micro mean weighted by ``num``, and the macro mean), so a report
can never disagree with itself. ``execution`` says how many samples were asked for, answered
and errored, separately from the metric counts.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

SCHEMA_VERSION = 1


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(float(value), 4)


def _micro(parts: list[Any]) -> Optional[float]:
    counted = [p for p in parts if p.num > 0 and p.score is not None]
    total = sum(p.num for p in counted)
    if total == 0:
        return None
    return sum(p.score * p.num for p in counted) / total


def _macro(parts: list[Any]) -> Optional[float]:
    counted = [p for p in parts if p.num > 0 and p.score is not None]
    if not counted:
        return None
    return sum(p.score for p in counted) / len(counted)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Subset(_Model):
    """One subset of a benchmark (an MMLU subject, an MTEB task split)."""

    name: str
    """Subset name as the benchmark spells it."""
    score: Optional[float] = None
    """Mean of the metric over the scored samples; ``None`` when no sample was scored."""
    num: int = 0
    """Number of samples the score is over."""

    @field_validator("score", mode="after")
    @classmethod
    def _round_score(cls, v: Optional[float]) -> Optional[float]:
        return _round(v)


class Category(_Model):
    """A group of subsets (MMLU's STEM, Humanities, ...); ``("default",)`` when ungrouped."""

    name: tuple[str, ...] = ("default",)
    """Category path, outermost first."""
    num: int = 0
    """Samples in the category (computed from its subsets)."""
    score: Optional[float] = None
    """Sample-weighted mean of the subset scores (computed)."""
    macro_score: Optional[float] = None
    """Unweighted mean of the subset scores (computed)."""
    subsets: list[Subset] = Field(default_factory=list)
    """The subsets of this category."""

    @field_validator("name", mode="before")
    @classmethod
    def _tuple_name(cls, v: Any) -> tuple[str, ...]:
        return (v,) if isinstance(v, str) else tuple(v)

    @field_serializer("name")
    def _list_name(self, v: tuple[str, ...]) -> list[str]:
        return list(v)

    @model_validator(mode="after")
    def _aggregate(self) -> "Category":
        self.num = sum(s.num for s in self.subsets)
        self.score = _round(_micro(self.subsets))
        self.macro_score = _round(_macro(self.subsets))
        return self


class Metric(_Model):
    """One metric of a benchmark (``mean_acc``, ``main_score``, ``ndcg_at_10``)."""

    name: str
    """Metric name, e.g. ``mean_acc`` (aggregation + metric, as EvalScope names them)."""
    num: int = 0
    """Samples over all categories (computed)."""
    score: Optional[float] = None
    """Sample-weighted mean over all subsets (computed)."""
    macro_score: Optional[float] = None
    """Unweighted mean over categories (computed)."""
    categories: list[Category] = Field(default_factory=list)
    """The categories, each with its subsets."""

    @model_validator(mode="after")
    def _aggregate(self) -> "Metric":
        self.num = sum(c.num for c in self.categories)
        subsets = [s for c in self.categories for s in c.subsets]
        self.score = _round(_micro(subsets))
        self.macro_score = _round(_macro(self.categories))
        return self


class ExecutionSubset(_Model):
    """Completion counts of one subset."""

    requested: int = 0
    """Samples that were to be evaluated (after ``limit`` and ``repeats``)."""
    succeeded: int = 0
    """Samples with a prediction and a score."""
    errored: int = 0
    """Samples whose request or scoring failed; they are not in the scores."""
    empty: int = 0
    """Scored samples whose answer came back without any text (``content: null``, a stream of only ``[DONE]``)."""


class ExecutionSummary(_Model):
    """How complete the run was, separate from what the metrics average over."""

    requested: int = 0
    """Samples that were to be evaluated, over all subsets."""
    succeeded: int = 0
    """Samples with a prediction and a score."""
    errored: int = 0
    """Samples that failed and are excluded from the scores."""
    empty: int = 0
    """Scored samples whose answer came back without any text; asked again when the run is resumed."""
    subsets: dict[str, ExecutionSubset] = Field(default_factory=dict)
    """Per-subset counts."""

    @property
    def incomplete(self) -> bool:
        return self.errored > 0 or self.succeeded < self.requested


class Report(_Model):
    """The result of one model on one benchmark; the only format writers and viewers read."""

    schema_version: int = SCHEMA_VERSION
    """Version of this schema; readers refuse versions they do not know."""
    name: str
    """Report name, ``<model>@<dataset>``."""
    model_name: str
    """The evaluated model's id."""
    dataset_name: str
    """Benchmark name (``gsm8k``; for external backends the harness task name)."""
    dataset_pretty_name: str = ""
    """Display name of the benchmark."""
    backend: str = "Native"
    """The backend that produced this report (``Native``, ``RAGEval``, ``lm-eval``, ...)."""
    backend_version: Optional[str] = None
    """The harness behind ``backend`` and its version, ``<distribution> <version>`` (``lm-eval 0.4.13``;
    ``evalscope 0.1.0`` for Native); ``None`` when unknown (reports written before this field existed)."""
    metrics: list[Metric] = Field(default_factory=list)
    """Every metric; the first is the primary one."""
    execution: Optional[ExecutionSummary] = None
    """Completion counts; ``None`` when the backend cannot tell."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Backend-specific details kept verbatim (e.g. MTEB sub-scores, harness versions)."""

    @model_validator(mode="after")
    def _check_version(self) -> "Report":
        if self.schema_version != SCHEMA_VERSION:
            raise ValueError(
                f"report schema_version {self.schema_version} is not supported (this evalscope reads "
                f"version {SCHEMA_VERSION})"
            )
        return self

    @property
    def score(self) -> Optional[float]:
        """The primary metric's overall score, ``None`` when there is no metric or no data."""
        return self.metrics[0].score if self.metrics else None

    @property
    def num(self) -> int:
        return self.metrics[0].num if self.metrics else 0
