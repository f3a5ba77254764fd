"""The Native engine: load -> prompt -> generate -> filter -> score -> aggregate, for one benchmark.

At most ``eval_batch_size`` requests are in flight across all subsets: that many workers pull
work items from one lazy iterator. Every prediction is appended to its file before it is
scored; answers already in the run directory (a resumed run) are never asked again.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Optional

from evalscope.errors import ConfigError, DatasetError
from evalscope.filters import apply_filters, build_filters
from evalscope.models.base import ChatMessage, ModelError
from evalscope.native.aggregate import Tally, build_report
from evalscope.native.loader import iter_split, source_of
from evalscope.native.records import (
    JsonlAppender,
    PredictionRecord,
    ReviewRecord,
    read_records,
    stable_hash,
)

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark, Sample
    from evalscope.config import TaskConfig
    from evalscope.display import Display, Progress
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)


@dataclass
class WorkItem:
    subset: str
    sample: "Sample"
    repeat: int
    messages: list[ChatMessage]
    input_hash: str


@dataclass
class SubsetPlan:
    name: str
    samples: list["Sample"]
    few_shots: list["Sample"]
    cached_predictions: dict[tuple[str, int], PredictionRecord]
    cached_reviews: dict[tuple[str, int], ReviewRecord]


def messages_hash(messages: list[ChatMessage]) -> str:
    """The key of a prompt: a cached answer is reused only for the very same messages."""
    return stable_hash([m.model_dump() for m in messages])


def apply_limit(samples: list["Sample"], limit: Optional[float]) -> list["Sample"]:
    if limit is None:
        return samples
    if isinstance(limit, float) and limit < 1:
        return samples[: max(1, math.floor(len(samples) * limit))]
    return samples[: int(limit)]


class BenchmarkRun:
    """Runs one benchmark of a task against one model."""

    def __init__(self, benchmark: "Benchmark", task: "TaskConfig", model: Any, run_dir: "RunDir",
                 display: "Display") -> None:
        self.benchmark = benchmark
        self.task = task
        self.model = model
        self.run_dir = run_dir
        self.display = display
        self.filters = build_filters(benchmark.args.filters)
        self.scoring_hash = stable_hash({"metrics": benchmark.metric_list, "filters": benchmark.args.filters,
                                         "version": benchmark.meta.version})
        self.tally = Tally()
        self.first_error: Optional[str] = None
        self._stop = False
        self._writers: dict[str, tuple[JsonlAppender, JsonlAppender]] = {}

    # -- planning
    def _load_samples(self, subset: str, split: str, required: bool, at_most: Optional[int] = None) -> list["Sample"]:
        rows = iter_split(self.benchmark, self.task, subset, split, required=required)
        samples = []
        for i, row in enumerate(rows):
            if at_most is not None and i >= at_most:
                break
            try:
                samples.append(self.benchmark.record_to_sample(row, i, subset))
            except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
                what = f"missing field {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
                raise DatasetError(
                    f"{self.benchmark.name}: {source_of(self.benchmark, self.task, subset, split)}: row {i + 1} "
                    f"is not a valid {self.benchmark.name} record ({what}); its fields: {', '.join(map(str, row))}"
                ) from None
        if len({s.id for s in samples}) != len(samples):
            logger.warning("%s/%s/%s: sample ids are not unique; keying samples by row index",
                           self.benchmark.name, subset, split)
            samples = [s.model_copy(update={"id": str(i)}) for i, s in enumerate(samples)]
        return samples

    def plan(self) -> list[SubsetPlan]:
        plans = []
        for subset in self.benchmark.subsets:
            count = self.task.limit if isinstance(self.task.limit, int) else None
            samples = apply_limit(self._load_samples(subset, self.benchmark.eval_split, True, count), self.task.limit)
            few_shots: list["Sample"] = []
            if self.benchmark.few_shot_num > 0 and self.benchmark.train_split:
                # the first few_shot_num rows are all that is needed, unless they are drawn at random
                needed = None if self.benchmark.args.few_shot_random else self.benchmark.few_shot_num
                pool = self._load_samples(subset, self.benchmark.train_split, False, needed)
                few_shots = self.benchmark.select_few_shots(pool)
            elif self.benchmark.few_shot_num > 0:
                logger.warning("%s: few_shot_num=%d but the benchmark has no train split; running 0-shot",
                               self.benchmark.name, self.benchmark.few_shot_num)
            plans.append(SubsetPlan(subset, samples, few_shots, *self._cached(subset)))
        return plans

    def _cached(self, subset: str) -> tuple[dict, dict]:
        model_id = self.task.model_id or "model"
        preds: dict[tuple[str, int], PredictionRecord] = {}
        for rec in read_records(self.run_dir.prediction_file(model_id, self.benchmark.name, subset), PredictionRecord):
            if rec.ok:
                preds[rec.key] = rec
        reviews: dict[tuple[str, int], ReviewRecord] = {}
        if not self.task.rerun_review:
            path = self.run_dir.review_file(model_id, self.benchmark.name, subset)
            for rev in read_records(path, ReviewRecord):
                reviews[rev.key] = rev
        return preds, reviews

    def _items(self, plans: list[SubsetPlan]) -> Iterator[WorkItem]:
        for plan in plans:
            for sample in plan.samples:
                messages = self.benchmark.build_messages(sample, plan.few_shots)
                input_hash = messages_hash(messages)
                for repeat in range(self.task.repeats):
                    if self._stop:
                        return
                    yield WorkItem(plan.name, sample, repeat, messages, input_hash)

    def _check_cache(self, plans: list[SubsetPlan]) -> None:
        """Refuse to mix: a cached answer to a different prompt means the config changed."""
        for plan in plans:
            if not plan.cached_predictions:
                continue
            for sample in plan.samples:
                cached = plan.cached_predictions.get((sample.id, 0))
                if cached is None:
                    continue
                messages = self.benchmark.build_messages(sample, plan.few_shots)
                if messages_hash(messages) != cached.input_hash:
                    raise ConfigError(
                        f"{self.benchmark.name}/{plan.name}: the cached run in {self.run_dir.root} asked sample "
                        f"{sample.id!r} with a different prompt (data, few-shot or template changed); "
                        "resume with the same benchmark config, or start a new run without use_cache"
                    )
                if cached.model != (self.task.model_id or "model"):
                    raise ConfigError(
                        f"{self.benchmark.name}/{plan.name}: the cached run in {self.run_dir.root} was made with "
                        f"model {cached.model!r}, not {self.task.model_id!r}; start a new run without use_cache"
                    )

    # -- running
    def _writer(self, subset: str) -> tuple[JsonlAppender, JsonlAppender]:
        if subset not in self._writers:
            model_id = self.task.model_id or "model"
            name = self.benchmark.name
            self._writers[subset] = (
                JsonlAppender(self.run_dir.prediction_file(model_id, name, subset)),
                JsonlAppender(self.run_dir.review_file(model_id, name, subset), truncate=self.task.rerun_review),
            )
        return self._writers[subset]

    async def run(self) -> "Report":
        plans = self.plan()
        self._check_cache(plans)
        by_subset = {p.name: p for p in plans}
        total = sum(len(p.samples) for p in plans) * self.task.repeats
        for plan in plans:
            self.tally.subset(plan.name).requested = len(plan.samples) * self.task.repeats
        progress = self.display.progress(self.benchmark.name, total)
        items = self._items(plans)
        workers = max(1, min(self.task.eval_batch_size, total or 1))
        try:
            await asyncio.gather(*(self._worker(items, by_subset, progress) for _ in range(workers)))
        finally:
            progress.close()
            for pred_w, rev_w in self._writers.values():
                pred_w.close()
                rev_w.close()
        return build_report(self.benchmark, self.task.model_id or "model", self.tally)

    async def _worker(self, items: Iterator[WorkItem], plans: dict[str, SubsetPlan], progress: "Progress") -> None:
        for item in items:
            await self._process(item, plans[item.subset])
            progress.advance()

    async def _process(self, item: WorkItem, plan: SubsetPlan) -> None:
        key = (item.sample.id, item.repeat)
        tally = self.tally.subset(item.subset)
        pred_writer, review_writer = self._writer(item.subset)
        prediction = plan.cached_predictions.get(key)
        if prediction is None or prediction.input_hash != item.input_hash:
            prediction = await self._ask(item)
            pred_writer.append(prediction)
        if not prediction.ok:
            tally.errored += 1
            if self.first_error is None:
                self.first_error = f"sample {item.sample.id!r} ({item.subset}): {prediction.error}"
            if not self.task.ignore_errors:
                self._stop = True
            return
        text = prediction.output.content if prediction.output else ""
        prediction_hash = stable_hash(text)
        review = plan.cached_reviews.get(key)
        if review is None or review.prediction_hash != prediction_hash or review.scoring_hash != self.scoring_hash:
            review = self._score(item, text, prediction_hash)
            review_writer.append(review)
        if review.error is not None:
            tally.errored += 1
            if self.first_error is None:
                self.first_error = f"sample {item.sample.id!r} ({item.subset}): scoring failed: {review.error}"
            if not self.task.ignore_errors:
                self._stop = True
            return
        tally.add_score(review.score)

    async def _ask(self, item: WorkItem) -> PredictionRecord:
        base = dict(sample_id=item.sample.id, repeat=item.repeat, subset=item.subset,
                    model=self.task.model_id or "model", input_hash=item.input_hash, messages=item.messages,
                    target=item.sample.target)
        try:
            output = await self.model.generate(item.messages, self.task.generation_config)
        except ModelError as exc:
            return PredictionRecord(**base, error=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a custom model's bug is this sample's error, not the run's end
            logger.debug("model raised", exc_info=True)
            return PredictionRecord(**base, error=f"{type(exc).__name__}: {exc}")
        return PredictionRecord(**base, output=output)

    def _score(self, item: WorkItem, text: str, prediction_hash: str) -> ReviewRecord:
        filtered = apply_filters(text, self.filters)
        base = dict(sample_id=item.sample.id, repeat=item.repeat, subset=item.subset,
                    prediction_hash=prediction_hash, prediction=filtered, target=item.sample.target,
                    scoring_hash=self.scoring_hash)
        try:
            answer = self.benchmark.extract_answer(filtered, item.sample)
            score = self.benchmark.score(answer, item.sample)
        except Exception as exc:
            logger.debug("scoring raised", exc_info=True)
            return ReviewRecord(**base, extracted_prediction="", error=f"{type(exc).__name__}: {exc}")
        return ReviewRecord(**base, extracted_prediction=answer, score=score)
