"""``SampleScorer.review_now`` (rule scorers scored in the calling thread) gives what ``review`` gives, falls back
(``None``) for a scorer that turns out to be async, and makes a scorer's failure the sample's error."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from evalscope.api import ModelOutput, Score
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer


class Exact:
    metrics = ("acc",)

    def score(self, sample, answers):
        return [Score(value={"acc": float(a.extracted == sample.target)}, explanation=f"saw {a.extracted}")
                for a in answers]


class Length:
    metrics = ("chars",)

    def score(self, sample, answers):
        return [Score(value={"chars": float(len(a.text))}, metadata={"n": len(answers)}) for a in answers]


class Deferred:
    """A plain ``score`` that returns an awaitable: only the async path can score it."""

    metrics = ("acc",)

    def score(self, sample, answers):
        async def later():
            return [Score(value={"acc": 0.5}) for _ in answers]
        return later()


class Async:
    metrics = ("acc",)

    async def score(self, sample, answers):
        return [Score(value={"acc": 1.0}) for _ in answers]


class Short:
    metrics = ("acc",)

    def score(self, sample, answers):
        return [Score(value={"acc": 1.0})]  # one score for several answers


class Broken:
    metrics = ("acc",)

    def score(self, sample, answers):
        raise RuntimeError("scorer bug")


def _scorer(*scorers):
    benchmark = get_benchmark("demo_arith", load_task({"datasets": ["demo_arith"]}))
    benchmark.scorers = lambda: list(scorers)
    return SampleScorer(benchmark, [], ThreadPoolExecutor(1)), benchmark


def _case(benchmark, replies):
    sample = benchmark.record_to_sample({"id": "s", "question": "What is 2 + 2?", "answer": "4"}, 0, "default")
    predictions = [PredictionRecord(sample_id="s", repeat=i, subset="default", model="m", input_hash="h", messages=[],
                                    target="4", output=ModelOutput(content=r)) for i, r in enumerate(replies)]
    return sample, predictions


def test_review_now_gives_what_review_gives_merging_every_scorer():
    scorer, benchmark = _scorer(Exact(), Length())
    assert scorer.synchronous
    sample, predictions = _case(benchmark, ["It is 4", "5"])
    now = scorer.review_now(sample, "default", predictions)
    later = asyncio.run(scorer.review(sample, "default", predictions))
    assert [r.model_dump() for r in now] == [r.model_dump() for r in later]
    assert [r.score for r in now] == [{"acc": 1.0, "chars": 7.0}, {"acc": 0.0, "chars": 1.0}]
    assert [r.explanation for r in now] == ["saw 4", "saw 5"] and now[0].score_metadata == {"n": 2}
    assert [r.extracted_prediction for r in now] == ["4", "5"] and all(r.error is None for r in now)


def test_a_plain_scorer_returning_an_awaitable_falls_back_to_the_async_path():
    scorer, benchmark = _scorer(Exact(), Deferred())
    assert scorer.synchronous  # it looks synchronous: only calling it tells
    sample, predictions = _case(benchmark, ["4"])
    assert scorer.review_now(sample, "default", predictions) is None
    assert [r.score for r in asyncio.run(scorer.review(sample, "default", predictions))] == [{"acc": 0.5}]


def test_an_async_scorer_makes_the_scorer_not_synchronous():
    scorer, _ = _scorer(Exact(), Async())
    assert not scorer.synchronous


def test_a_failing_or_miscounting_scorer_is_each_review_s_error_in_both_paths():
    for bad, message in ((Broken(), "RuntimeError: scorer bug"), (Short(), "Short returned 1 scores for 2 answers")):
        scorer, benchmark = _scorer(Exact(), bad)
        sample, predictions = _case(benchmark, ["4", "4"])
        for reviews in (scorer.review_now(sample, "default", predictions),
                        asyncio.run(scorer.review(sample, "default", predictions))):
            assert [r.error for r in reviews] == [f"ValueError: {message}" if isinstance(bad, Short) else message] * 2
            assert all(r.score == {} for r in reviews)
