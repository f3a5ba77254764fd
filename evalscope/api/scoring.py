"""The scoring contract: a ``Scorer`` sees a sample with every repeat's answer and returns one ``Score`` each.

A scorer declares the metric names it emits (``metrics``); ``score`` may be a coroutine (an LLM judge, a
sandbox) or a plain function (rule metrics, which the engine runs off the event loop). Aggregation over
repeats (``mean``, ``pass@k``, ``maj@k``, ``pass^k``) and over samples is the aggregators' job, never the
scorer's (``evalscope.metrics.aggregators``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Optional, Protocol, Union, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from evalscope.api.dataset import Sample


class Score(BaseModel):
    """The score of one answer (one repeat of one sample)."""

    model_config = ConfigDict(extra="forbid")

    value: dict[str, float]
    """Metric name -> value (names as the scorer declared them)."""
    answer: str = ""
    """The answer the score is about (extracted from the model's text)."""
    explanation: Optional[str] = None
    """Why (a judge's reasoning, a sandbox's failure), when there is one."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Anything else worth keeping in the review record (the extraction used, a parsed form)."""


class Answer(BaseModel):
    """One repeat's answer to a sample, as scorers see it."""

    model_config = ConfigDict(extra="forbid")

    repeat: int = 0
    """Which repeat (0 .. repeats-1)."""
    text: str
    """The model's text after the output filters (``remove_until``, ...)."""
    extracted: str
    """The answer the benchmark extracted from ``text`` (a letter, a number, the text itself)."""
    reasoning: Optional[str] = None
    """Reasoning the server returned apart from the answer, if any."""


@runtime_checkable
class Scorer(Protocol):
    """Scores every repeat of one sample: returns one ``Score`` per answer, in the same order."""

    metrics: tuple[str, ...]
    """The metric names this scorer emits."""

    def score(self, sample: Sample, answers: list[Answer]) -> Union[list[Score], Awaitable[list[Score]]]: ...


@dataclass(frozen=True)
class ScoringContext:
    """What the run hands to scorers that ask for it (by having a ``bind(context)`` method): a judge needs the
    task's judge settings and a directory for its cache, a sandbox the task's sandbox mode."""

    task: Any = None
    """The ``TaskConfig`` (``None`` when a scorer is used outside a run: defaults apply)."""
    run_dir: Any = None
    """The run's ``RunDir`` (``None`` outside a run)."""
    benchmark: str = ""
    """The benchmark's name."""
