"""The Native engine: load -> prompt -> generate -> filter -> score -> aggregate, for one benchmark.

At most ``eval_batch_size`` requests are in flight across all subsets: that many workers pull
work items (one per sample and repeat) from one lazy iterator. Every prediction is appended to its file
before it is scored; answers already in the run directory (a resumed run) are never asked again. When
every repeat of a sample has its answer, the sample is scored (its scorers see all repeats; rule metrics are
computed, and reviews written, in a scoring thread) and its aggregated values join the tally.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from evalscope.api import ChatMessage, EncodesRequests, ModelError, ScoringContext
from evalscope.api.images import ImageLimits, ImagePreparer
from evalscope.api.media import MediaError, identity, stamp
from evalscope.errors import ConfigError, DatasetError
from evalscope.filters import build_filters
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.native.aggregate import Tally, build_report
from evalscope.native.loader import iter_split, source_of
from evalscope.native.records import (
    JsonlAppender,
    PredictionRecord,
    ReviewRecord,
    read_records,
    stable_hash,
)
from evalscope.native.scoring import SampleScorer, prediction_hash

if TYPE_CHECKING:
    from evalscope.api import Sample
    from evalscope.benchmarks.base import Benchmark
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
    error: Optional[str] = None
    """Why the sample's messages could not be built (an image gone or changed since loading): its error."""
    sending: Optional[Future] = None
    """The messages as sent, prepared ahead in the image pool (images read, checked, base64-encoded), when it has
    images; for a model that encodes its requests (``EncodesRequests``), the request encoded from them there."""


@dataclass
class SubsetPlan:
    name: str
    samples: list["Sample"]
    few_shots: list["Sample"]
    cached_predictions: dict[tuple[str, int], PredictionRecord]
    cached_reviews: dict[tuple[str, int], ReviewRecord]
    pending: dict[str, dict[int, PredictionRecord]] = field(default_factory=dict)
    """Answers of samples whose repeats are not all in yet."""


def messages_hash(messages: list[ChatMessage]) -> str:
    """The key of a prompt: a cached answer is reused only for the very same messages (images by content)."""
    return stable_hash([identity(m) for m in messages])


def apply_limit(samples: list["Sample"], limit: Optional[float]) -> list["Sample"]:
    if limit is None:
        return samples
    if isinstance(limit, float) and limit < 1:
        return samples[: max(1, math.floor(len(samples) * limit))]
    return samples[: int(limit)]


def has_media(sample: "Sample") -> bool:
    return not isinstance(sample.input, str) and any(m.media for m in sample.input)


_END = object()


class ItemFeed:
    """The work items, to the workers one at a time, in the plan's order.

    Inline, each item is built on the event loop when a worker asks for it (text samples: microseconds).
    ``threaded``, one thread builds them ``ahead`` items ahead of the workers (image samples: their files are
    read and hashed while the loop sends and receives); an exception raised building them reaches the workers.
    """

    BATCH = 4
    """Items built per call into the thread."""

    def __init__(self, items: Iterator[WorkItem], threaded: bool, ahead: int = 32) -> None:
        self._items = items
        self._threaded = threaded
        self._ahead = max(1, ahead)
        self._queue: Optional[asyncio.Queue] = None
        self._filler: Optional[asyncio.Task] = None
        self._executor: Optional[ThreadPoolExecutor] = None
        self._error: Optional[BaseException] = None

    async def next(self) -> Optional[WorkItem]:
        """The next item; ``None`` when there are no more."""
        if not self._threaded:
            return next(self._items, None)
        if self._queue is None:
            self._queue = asyncio.Queue(self._ahead)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalscope-items")
            self._filler = asyncio.create_task(self._fill())
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # for the next worker that asks
            if self._error is not None:
                raise self._error
            return None
        return item

    async def _fill(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._queue is not None
        try:
            while True:
                batch = await loop.run_in_executor(self._executor, _take, self._items, self.BATCH)
                for item in batch:
                    await self._queue.put(item)
                if len(batch) < self.BATCH:
                    break
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the workers raise it
            self._error = exc
        await self._queue.put(_END)

    def close(self) -> None:
        if self._filler is not None:
            self._filler.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _take(items: Iterator[WorkItem], n: int) -> list[WorkItem]:
    return [item for _, item in zip(range(n), items)]


def _append_all(writer: JsonlAppender, records: list[Any], after: Optional[Future] = None) -> None:
    """Append ``records``, once ``after`` (a write in another thread) is done; its failure is raised here."""
    if after is not None:
        after.result()
    for record in records:
        writer.append(record)


class BenchmarkRun:
    """Runs one benchmark of a task against one model."""

    def __init__(self, benchmark: "Benchmark", task: "TaskConfig", model: Any, run_dir: "RunDir",
                 display: "Display") -> None:
        self.benchmark = benchmark
        self.task = task
        self.model = model
        self.run_dir = run_dir
        self.display = display
        self.aggregators = resolve(benchmark.aggregation)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalscope-score")
        context = ScoringContext(task=task, run_dir=run_dir, benchmark=benchmark.name)
        self.scorer = SampleScorer(benchmark, build_filters(benchmark.args.filters), self._executor, context)
        self.scoring_hash = self.scorer.scoring_hash
        self.keep_empty = bool(getattr(task, "keep_empty_answers", False))
        self.tally = Tally()
        self.first_error: Optional[str] = None
        self._stop = False
        self._writers: dict[str, tuple[JsonlAppender, JsonlAppender]] = {}
        self._scoring: set[asyncio.Task] = set()
        self._scoring_slots = asyncio.Semaphore(max(4, 2 * task.eval_batch_size))
        self._images = ImagePreparer(ImageLimits.of(benchmark.args))
        self._prepare_ahead = False
        self._encode: Optional[Callable[[list[ChatMessage]], Any]] = None
        self._writes: Optional[ThreadPoolExecutor] = None
        self._unwritten: deque[Future] = deque()  # image runs: prediction writes submitted, oldest first
        self._max_unwritten = 1
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
            plans.append(SubsetPlan(subset, samples, self._few_shots(subset), *self._cached(subset)))
        return plans

    def _few_shots(self, subset: str) -> list["Sample"]:
        """The few-shot examples of a subset; asking for some that the data does not have is an error."""
        n, split = self.benchmark.few_shot_num, self.benchmark.train_split
        if n <= 0:
            return []
        hint = f"set dataset_args.{self.benchmark.name}.few_shot_num: 0 to run 0-shot"
        if not split:
            raise ConfigError(f"{self.benchmark.name}: few_shot_num={n}, but the benchmark has no train split "
                              f"to take examples from; {hint}")
        # the first few_shot_num rows are all that is needed, unless they are drawn at random
        needed = None if self.benchmark.args.few_shot_random else n
        pool = self._load_samples(subset, split, False, needed)
        if not pool:
            raise ConfigError(
                f"{self.benchmark.name}/{subset}: few_shot_num={n} takes examples from the {split!r} split, "
                f"but {source_of(self.benchmark, self.task, subset, split)} has none; add that split's file, "
                f"or {hint}")
        if len(pool) < n:
            logger.warning("%s/%s: few_shot_num=%d but the %r split has only %d examples; using them all",
                           self.benchmark.name, subset, n, split, len(pool))
        return self.benchmark.select_few_shots(pool)

    def _cached(self, subset: str) -> tuple[dict, dict]:
        model_id = self.task.model_id or "model"
        preds: dict[tuple[str, int], PredictionRecord] = {}
        for rec in read_records(self.run_dir.prediction_file(model_id, self.benchmark.name, subset), PredictionRecord):
            if rec.ok and (self.keep_empty or not rec.empty):
                preds[rec.key] = rec
        reviews: dict[tuple[str, int], ReviewRecord] = {}
        if not self.task.rerun_review:
            path = self.run_dir.review_file(model_id, self.benchmark.name, subset)
            for rev in read_records(path, ReviewRecord):
                reviews[rev.key] = rev
        return preds, reviews

    def _messages(self, plan: SubsetPlan, sample: "Sample") -> list[ChatMessage]:
        """The messages sent for ``sample``, media stamped (read and hashed); ``MediaError`` when they cannot be."""
        return stamp(self.benchmark.build_messages(sample, plan.few_shots))

    def _items(self, plans: list[SubsetPlan]) -> Iterator[WorkItem]:
        for plan in plans:
            for sample in plan.samples:
                error = None
                try:
                    messages = self._messages(plan, sample)
                except MediaError as exc:  # its files changed or went away since loading: this sample's error
                    error = str(exc)
                    messages = ([ChatMessage(role="user", content=sample.input)] if isinstance(sample.input, str)
                                else list(sample.input))
                input_hash = messages_hash(messages)
                # built ahead of the workers (an image sample's in the feed's thread): its images are prepared
                # ahead too, once for all its repeats, so a worker finds them ready
                skip = error is not None or not self._prepare_ahead or self._all_cached(plan, sample, input_hash)
                sending = None if skip else self._images.submit(messages, self._encode)
                for repeat in range(self.task.repeats):
                    if self._stop:
                        return
                    yield WorkItem(plan.name, sample, repeat, messages, input_hash, error, sending)

    def _all_cached(self, plan: SubsetPlan, sample: "Sample", input_hash: str) -> bool:
        """Every repeat of ``sample`` has its answer to these very messages (a resumed run): nothing to send."""
        for repeat in range(self.task.repeats):
            cached = plan.cached_predictions.get((sample.id, repeat))
            if cached is None or cached.input_hash != input_hash:
                return False
        return True

    def _check_cache(self, plans: list[SubsetPlan]) -> None:
        """Refuse to mix: a cached answer to a different prompt means the config changed."""
        for plan in plans:
            if not plan.cached_predictions:
                continue
            for sample in plan.samples:
                cached = plan.cached_predictions.get((sample.id, 0))
                if cached is None:
                    continue
                try:
                    messages = self._messages(plan, sample)
                except MediaError:
                    continue  # asked again, and failed as that sample's error
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
        workers = max(1, min(self.task.eval_batch_size, total or 1))
        self._max_unwritten = workers
        # building the messages of an image sample reads and hashes its files: then it is done ahead, in a thread
        self._prepare_ahead = any(has_media(s) for p in plans for s in p.samples)
        if self._prepare_ahead:  # threads that hold the GIL: a write on the loop would wait to take it back
            self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalscope-records")
            if isinstance(self.model, EncodesRequests):  # the request body too: megabytes copied off the loop
                model, config = self.model, self.task.generation_config
                self._encode = lambda messages: model.encode_request(messages, config)
        feed = ItemFeed(self._items(plans), threaded=self._prepare_ahead, ahead=min(32, workers))
        try:
            await asyncio.gather(*(self._worker(feed, by_subset, progress) for _ in range(workers)))
            if self._scoring:
                await asyncio.gather(*self._scoring)
            while self._unwritten:
                await asyncio.wrap_future(self._unwritten.popleft())
        finally:
            feed.close()
            for task in self._scoring:
                task.cancel()
            progress.close()
            await self.scorer.aclose()
            self._executor.shutdown(wait=True, cancel_futures=True)  # a review being written ends before its file closes
            self._images.close()
            if self._writes is not None:
                self._writes.shutdown(wait=True)  # a write under way ends before its file is closed
            for pred_w, rev_w in self._writers.values():
                pred_w.close()
                rev_w.close()
        if self.tally.empty:
            logger.warning(
                "%s: %d answer(s) came back without any text (content null or an empty stream); they were "
                "scored as empty and will be asked again when the run is resumed%s", self.benchmark.name,
                self.tally.empty, "" if self.keep_empty else " (set keep_empty_answers to keep them as final)")
        return build_report(self.benchmark, self.task.model_id or "model", self.tally)

    async def _worker(self, feed: "ItemFeed", plans: dict[str, SubsetPlan], progress: "Progress") -> None:
        while not self._stop and (item := await feed.next()) is not None:
            await self._process(item, plans[item.subset])
            progress.advance()

    async def _append_answer(self, writer: JsonlAppender, prediction: PredictionRecord) -> Optional[Future]:
        """Write an answer before anything else is done with it: on the loop; or (image runs) queued to the
        records thread, its future returned, not waited for (a wait there, for a thread to take the GIL from the
        image threads, was ~20 ms per request under load), with at most as many unwritten answers as workers: a
        kill -9 loses the answers in flight and at most as many just answered. A failed write ends the run."""
        if self._writes is None:
            writer.append(prediction)
            return None
        written = self._writes.submit(writer.append, prediction)
        self._unwritten.append(written)
        while self._unwritten and self._unwritten[0].done():
            self._unwritten.popleft().result()
        while len(self._unwritten) > self._max_unwritten:
            await asyncio.wrap_future(self._unwritten.popleft())
        return written

    def _fail(self, item: WorkItem, message: str) -> None:
        self.tally.subset(item.subset).errored += 1
        if self.first_error is None:
            self.first_error = f"sample {item.sample.id!r} ({item.subset}): {message}"
        if not self.task.ignore_errors:
            self._stop = True

    async def _process(self, item: WorkItem, plan: SubsetPlan) -> None:
        key = (item.sample.id, item.repeat)
        pred_writer, _ = self._writer(item.subset)
        prediction, written = plan.cached_predictions.get(key), None
        if prediction is None or prediction.input_hash != item.input_hash:
            prediction = await self._ask(item)
            written = await self._append_answer(pred_writer, prediction)
        if not prediction.ok:
            self._fail(item, prediction.error or "no answer")
        answers = plan.pending.setdefault(item.sample.id, {})
        answers[item.repeat] = prediction
        if len(answers) < self.task.repeats:
            return
        del plan.pending[item.sample.id]
        done = [answers[r] for r in sorted(answers) if answers[r].ok]
        if not done:
            return
        await self._scoring_slots.acquire()
        task = asyncio.create_task(self._score_sample(item, plan, done, written))
        self._scoring.add(task)
        task.add_done_callback(self._scoring.discard)

    async def _score_sample(self, item: WorkItem, plan: SubsetPlan, predictions: list[PredictionRecord],
                            written: Optional[Future] = None) -> None:
        try:
            reviews = [plan.cached_reviews.get(p.key) for p in predictions]
            fresh = all(r is not None and r.prediction_hash == prediction_hash(p) and r.scoring_hash == self.scoring_hash
                        for r, p in zip(reviews, predictions))
            if not fresh:
                reviews = await self._review(item, predictions, written)
            self._tally(item, predictions, reviews)
        finally:
            self._scoring_slots.release()

    async def _review(self, item: WorkItem, predictions: list[PredictionRecord], written: Optional[Future]
                      ) -> list[ReviewRecord]:
        """The sample's reviews, written, both in the scoring thread (the only writer of review files): rule scorers
        score and write in one hop off the loop and back; async ones (a judge) are awaited on the loop first.
        ``written``: the last answer's write (image runs), which its reviews follow into the files."""
        _, review_writer = self._writer(item.subset)
        loop = asyncio.get_running_loop()
        if self.scorer.synchronous:
            reviews = await loop.run_in_executor(self._executor, self._review_now, item, predictions, review_writer,
                                                 written)
            if reviews is not None:
                return reviews
        reviews = await self.scorer.review(item.sample, item.subset, predictions)
        await loop.run_in_executor(self._executor, _append_all, review_writer, reviews, written)
        return reviews

    def _review_now(self, item: WorkItem, predictions: list[PredictionRecord], writer: JsonlAppender,
                    written: Optional[Future]) -> Optional[list[ReviewRecord]]:
        reviews = self.scorer.review_now(item.sample, item.subset, predictions)
        if reviews is not None:
            _append_all(writer, reviews, written)
        return reviews

    def _tally(self, item: WorkItem, predictions: list[PredictionRecord], reviews: list[Any]) -> None:
        tally = self.tally.subset(item.subset)
        scored = [(p, r) for p, r in zip(predictions, reviews) if r.error is None]
        for r in reviews:
            if r.error is not None:
                self._fail(item, f"scoring failed: {r.error}")
        if not scored:
            return
        tally.scored += len(scored)
        tally.empty += sum(1 for p, _ in scored if p.empty)
        tally.add_sample(aggregate(self.aggregators, [r.score for _, r in scored],
                                   [r.extracted_prediction for _, r in scored]), answers=len(scored))

    async def _ask(self, item: WorkItem) -> PredictionRecord:
        base = dict(sample_id=item.sample.id, repeat=item.repeat, subset=item.subset,
                    model=self.task.model_id or "model", input_hash=item.input_hash, messages=item.messages,
                    target=item.sample.target)
        if item.error is not None:
            return PredictionRecord(**base, error=item.error)
        config = self.task.generation_config
        try:  # images read, checked and fitted to the limits per request, in a thread; records keep hash + source
            if item.sending is None:
                ready = await self._images.prepare(item.messages)
            elif item.sending.done():  # the usual case: prepared (and encoded) while the item waited
                ready = item.sending.result()
            else:
                ready = await asyncio.wrap_future(item.sending)
            if item.sending is not None and self._encode is not None:
                output = await self.model.generate_encoded(ready, config)
            else:
                output = await self.model.generate(ready, config)
        except MediaError as exc:
            return PredictionRecord(**base, error=str(exc))
        except ModelError as exc:
            return PredictionRecord(**base, error=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a custom model's bug is this sample's error, not the run's end
            logger.debug("model raised", exc_info=True)
            return PredictionRecord(**base, error=f"{type(exc).__name__}: {exc}")
        return PredictionRecord(**base, output=output)
