"""Scoring of one sample with all its repeats: filters -> answer extraction -> the benchmark's scorers.

Rule scorers are synchronous and CPU-bound (ROUGE on a long answer takes seconds): they run in a worker
thread, so the event loop keeps serving the requests in flight and their timers stay honest. Async scorers
(an LLM judge, a sandbox) are awaited on the loop. A scorer that raises, or returns the wrong number of
scores, fails that sample's reviews (an ``error`` on each), never the run.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Optional

from evalscope.api import Answer, Sample, Score, ScoringContext
from evalscope.filters import apply_filters
from evalscope.native.records import PredictionRecord, ReviewRecord, stable_hash

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark

logger = logging.getLogger(__name__)


class SampleScorer:
    """Turns the predictions of one sample's repeats into review records."""

    def __init__(self, benchmark: "Benchmark", filters: list, executor: Optional[ThreadPoolExecutor],
                 context: Optional[ScoringContext] = None) -> None:
        self.benchmark = benchmark
        self.filters = filters
        self.scorers = benchmark.scorers()
        context = context or ScoringContext(benchmark=benchmark.name)
        for scorer in self.scorers:  # scorers that need the run (a judge, a sandbox) ask for it with bind()
            if callable(getattr(scorer, "bind", None)):
                scorer.bind(context)
        self.executor = executor
        basis: dict[str, Any] = {
            "metrics": [list(s.metrics) for s in self.scorers], "map": benchmark.meta.metric_map,
            "filters": benchmark.args.filters, "version": benchmark.meta.version,
            "scorers": [type(s).__qualname__ for s in self.scorers],
        }
        identities = [getattr(s, "identity", None) for s in self.scorers]
        if any(identities):  # what else decides a score (the judge model): reviews are redone when it changes
            basis["identity"] = identities
        self.scoring_hash = stable_hash(basis)

    async def aclose(self) -> None:
        """Release what scorers hold (a judge's HTTP session): those with an ``aclose()`` have it awaited."""
        for scorer in self.scorers:
            close = getattr(scorer, "aclose", None)
            if callable(close):
                try:
                    await close()
                except Exception:  # closing is best effort: the reviews are written already
                    logger.debug("closing %s raised", type(scorer).__name__, exc_info=True)

    def answers(self, sample: Sample, predictions: list[PredictionRecord]) -> list[Answer]:
        out = []
        for p in predictions:
            text = apply_filters(p.output.content if p.output else "", self.filters)
            out.append(Answer(repeat=p.repeat, text=text, extracted=self.benchmark.extract_answer(text, sample),
                              reasoning=p.output.reasoning_content if p.output else None))
        return out

    @property
    def synchronous(self) -> bool:
        """Every scorer is a plain function (rule metrics): :meth:`review_now` can score in any one thread."""
        return not any(inspect.iscoroutinefunction(s.score) for s in self.scorers)

    async def review(self, sample: Sample, subset: str, predictions: list[PredictionRecord]) -> list[ReviewRecord]:
        """One review per prediction, in order."""
        try:
            answers = self.answers(sample, predictions)
            results = [(scorer, await self._run(scorer, sample, answers)) for scorer in self.scorers]
            return self._reviews(subset, predictions, answers, results)
        except Exception as exc:  # one sample's scoring failure is its records' error, not the run's end
            return self._failed(subset, predictions, exc)

    def review_now(self, sample: Sample, subset: str, predictions: list[PredictionRecord]
                   ) -> Optional[list[ReviewRecord]]:
        """:meth:`review` in the calling thread, for :attr:`synchronous` scorers (the engine calls it in its
        scoring thread, which then writes the reviews: one hop off the event loop and back); ``None`` when a
        scorer returned an awaitable after all (then :meth:`review` is for it)."""
        try:
            answers = self.answers(sample, predictions)
            results = []
            for scorer in self.scorers:
                scores = scorer.score(sample, answers)
                if inspect.isawaitable(scores):
                    if inspect.iscoroutine(scores):
                        scores.close()
                    return None
                results.append((scorer, scores))
            return self._reviews(subset, predictions, answers, results)
        except Exception as exc:
            return self._failed(subset, predictions, exc)

    def _reviews(self, subset: str, predictions: list[PredictionRecord], answers: list[Answer],
                 results: list[tuple[Any, list[Score]]]) -> list[ReviewRecord]:
        merged: list[dict[str, Any]] = [{} for _ in answers]
        explanations: list[Optional[str]] = [None] * len(answers)
        metadata: list[dict[str, Any]] = [{} for _ in answers]
        for scorer, scores in results:
            if len(scores) != len(answers):
                raise ValueError(f"{type(scorer).__name__} returned {len(scores)} scores for {len(answers)} answers")
            for i, score in enumerate(scores):
                merged[i].update(score.value)
                explanations[i] = score.explanation or explanations[i]
                metadata[i].update(score.metadata)
        return [self._record(p, subset, a.text, a.extracted, score=merged[i], explanation=explanations[i],
                             score_metadata=metadata[i]) for i, (p, a) in enumerate(zip(predictions, answers))]

    def _failed(self, subset: str, predictions: list[PredictionRecord], exc: Exception) -> list[ReviewRecord]:
        logger.debug("scoring raised", exc_info=exc)
        error = f"{type(exc).__name__}: {exc}"
        return [self._record(p, subset, "", "", error=error) for p in predictions]

    async def _run(self, scorer: Any, sample: Sample, answers: list[Answer]) -> list[Score]:
        if inspect.iscoroutinefunction(scorer.score):
            return await scorer.score(sample, answers)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.executor, scorer.score, sample, answers)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _record(self, prediction: PredictionRecord, subset: str, text: str, extracted: str, **fields: Any
                ) -> ReviewRecord:
        return ReviewRecord(sample_id=prediction.sample_id, repeat=prediction.repeat, subset=subset,
                            prediction_hash=prediction_hash(prediction), prediction=text,
                            extracted_prediction=extracted, target=prediction.target,
                            scoring_hash=self.scoring_hash, **fields)


def prediction_hash(prediction: PredictionRecord) -> str:
    return stable_hash(prediction.output.content if prediction.output else "")
