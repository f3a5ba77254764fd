"""One run of the load generator: (parallel, number) -> records, with the self-check.

Closed loop (no ``--rate``): ``parallel`` workers, each sends its next request as soon as its last one
ends. With ``--rate``: a dispatcher follows the arrival schedule (``schedule.py``) and sends each
request when it is due, with at most ``parallel`` in flight (no cap with ``--open-loop``). Bodies are
encoded before the clock starts.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

from evalscope.errors import RunFailed
from evalscope.perf.apis.base import ApiPlugin, PromptItem, encode_body
from evalscope.perf.arguments import PerfArgs, RunSpec
from evalscope.perf.client import Sender
from evalscope.perf.records import RequestRecord
from evalscope.perf.schedule import arrival_offsets
from evalscope.perf.selfcheck import LoopMonitor

if TYPE_CHECKING:
    from evalscope.perf.datasets.base import Conversation

logger = logging.getLogger(__name__)


# an open-loop run's concurrency is not known in advance: connections opened ahead of it, and its warm-up's concurrency
OPEN_LOOP_PREWARM = 64
RETRY_EVERY = 2.0
"""Seconds between connection tests while waiting for a server to come up."""


@dataclass
class RunResult:
    parallel: Optional[int]
    """``None``: no cap on requests in flight (open loop)."""
    number: int
    records: list[RequestRecord] = field(repr=False)
    wall_origin: float
    """Epoch seconds at time 0 of the records."""
    duration: float
    """First send to last end, seconds."""
    loop_lags: list[float] = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0
    rate: Optional[float] = None
    prompts: Optional[list] = field(default=None, repr=False)
    """``--multi-turn`` with a tokenizer: the prompt (the context it carried) of each request, by request id."""


def _sender(args: PerfArgs, api: ApiPlugin, stream: bool, origin: float, parallel: Optional[int], **kw) -> Sender:
    return Sender(
        args.endpoint_url, args.request_headers(), api, stream, origin, connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout, total_timeout=args.total_timeout, parallel=parallel,
        transport=args.transport, require_done=args.require_done, redact=args.redact, **kw,
    )


async def check_connection(args: PerfArgs, api: ApiPlugin, body: dict[str, Any]) -> None:
    """One non-streamed request before the runs. A server that refuses connections or answers 5xx may still be
    starting: it is asked again every ``RETRY_EVERY`` s for up to ``--wait-for-server`` s (as EvalScope waits).
    A 4xx, or the end of the wait, stops with the server's answer."""
    probe = dict(body)
    probe.pop("stream", None)
    probe.pop("stream_options", None)
    if not api.embedding:
        probe["max_tokens"] = 1
    data = json.dumps(probe).encode()
    start = perf_counter()
    while True:
        sender = _sender(args, api, False, perf_counter(), 1)
        try:
            record = await sender.send(-1, data, 0.0)
        finally:
            await sender.close()
        if record.success:
            return
        waited = perf_counter() - start
        final = record.status is not None and 400 <= record.status < 500
        if final or waited + RETRY_EVERY > args.wait_for_server:
            hint = f" (after {waited:.0f} s of retries)" if waited >= RETRY_EVERY else ""
            raise RunFailed(
                f"connection test to {args.safe_url} failed{hint}: {record.error} "
                "(check --url/--api/--model/--api-key, or skip with --no-test-connection)"
            )
        logger.warning("connection test: %s; asking again in %g s (up to --wait-for-server %g s)",
                       record.error, RETRY_EVERY, args.wait_for_server)
        await asyncio.sleep(RETRY_EVERY)


async def run_once(
    args: PerfArgs,
    api: ApiPlugin,
    bodies: list[bytes],
    spec: RunSpec,
    on_done: Optional[Callable[[RequestRecord], None]] = None,
    warmup: Optional[list[bytes]] = None,
) -> RunResult:
    """One run of single requests: a closed loop, or the ``--rate`` schedule (capped at ``spec.parallel``)."""
    offsets = arrival_offsets(len(bodies), spec.rate or -1, args.burstiness, args.seed)
    slots = spec.parallel or OPEN_LOOP_PREWARM

    async def warm(sender: Sender) -> None:
        await _closed_loop(sender, warmup, slots, None, None, sender.origin)

    async def drive(sender: Sender, origin: float) -> list[RequestRecord]:
        if offsets is None:
            return await _closed_loop(sender, bodies, spec.parallel, args.duration, on_done, origin)
        return await _open_loop(sender, bodies, offsets, spec.parallel, args.duration, on_done, origin)

    prewarm = min(len(bodies), OPEN_LOOP_PREWARM) if spec.parallel is None else spec.parallel
    return await _measure(args, api, spec, len(bodies), prewarm, drive, warm if warmup else None,
                          rate=spec.rate if offsets is not None else None)


async def run_conversations(
    args: PerfArgs,
    api: ApiPlugin,
    conversations: list["Conversation"],
    spec: RunSpec,
    on_done: Optional[Callable[[RequestRecord], None]] = None,
    warmup: Optional[list["Conversation"]] = None,
) -> RunResult:
    """One ``--multi-turn`` run: ``spec.parallel`` workers, each taking the next conversation and sending
    its turns one after another; every turn carries the context so far, the server's replies included."""
    parallel = spec.parallel or 1
    prompts: Optional[dict[int, PromptItem]] = {} if args.tokenizer_path is not None else None

    async def warm(sender: Sender) -> None:
        await _conversation_loop(sender, api, warmup, parallel, None, None, sender.origin)

    async def drive(sender: Sender, origin: float) -> list[RequestRecord]:
        return await _conversation_loop(sender, api, conversations, parallel, args.duration, on_done, origin, prompts)

    result = await _measure(args, api, spec, len(conversations), parallel, drive, warm if warmup else None, rate=None)
    if prompts is not None:
        result.prompts = [prompts[r.request_id] for r in result.records]
    return result


async def _measure(args: PerfArgs, api: ApiPlugin, spec: RunSpec, number: int, prewarm: int,
                   drive: Callable[[Sender, float], Awaitable[list[RequestRecord]]],
                   warm: Optional[Callable[[Sender], Awaitable[None]]], rate: Optional[float]) -> RunResult:
    """The timed part shared by every kind of run: connections, warm-up, the self-check, the clock."""
    sender = _sender(args, api, args.stream, perf_counter(), spec.parallel,
                     keep_chunk_texts=args.tokenizer_path is not None, debug=args.debug)
    await sender.prewarm(prewarm)
    if warm is not None:
        sender.origin = perf_counter()
        await warm(sender)
    monitor = LoopMonitor()
    # fewer, later collections: a gen-2 pause in the middle of a run delays every chunk timestamp
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 50_000), 50, 1000)
    origin = sender.origin = perf_counter()  # time 0 of the run: after the set-up above
    wall_origin = time.time() - (perf_counter() - origin)
    monitor.start()
    try:
        records = await drive(sender, origin)
    finally:
        await monitor.stop()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        await sender.close()
    records.sort(key=lambda r: r.request_id)
    if records:
        duration = max(r.end_time or r.send_time for r in records) - min(r.send_time for r in records)
    else:
        duration = 0.0
    return RunResult(
        parallel=spec.parallel, number=number, records=records, wall_origin=wall_origin, duration=duration,
        loop_lags=monitor.lags, cpu=monitor.cpu, wall=monitor.wall, rate=rate,
    )


async def _closed_loop(sender: Sender, bodies, parallel, duration, on_done, origin) -> list[RequestRecord]:
    records: list[RequestRecord] = []
    counter = iter(range(len(bodies)))
    deadline = origin + duration if duration else None

    async def worker() -> None:
        ready = perf_counter() - origin
        for i in counter:
            if deadline is not None and perf_counter() >= deadline:
                return
            record = await sender.send(i, bodies[i], ready)
            records.append(record)
            if on_done is not None:
                on_done(record)
            ready = perf_counter() - origin

    await asyncio.gather(*(worker() for _ in range(min(parallel, len(bodies)))))
    return records


async def _open_loop(sender: Sender, bodies, offsets, parallel: Optional[int], duration, on_done,
                     origin) -> list[RequestRecord]:
    """Send each request when due; with ``parallel`` set, at most that many in flight (a request waits for a slot)."""
    records: list[RequestRecord] = []
    slots = asyncio.Semaphore(parallel) if parallel is not None else None
    tasks: set[asyncio.Task] = set()

    async def one(i: int, ready: float, due: float) -> None:
        try:
            record = await sender.send(i, bodies[i], ready, due)
        finally:
            if slots is not None:
                slots.release()
        records.append(record)
        if on_done is not None:
            on_done(record)

    for i, due in enumerate(offsets):
        if duration and due >= duration:
            break
        delay = origin + due - perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        waited = False
        if slots is not None:
            waited = slots.locked()  # all slots busy: the request is ready when one frees, not when due
            await slots.acquire()
        ready = perf_counter() - origin if waited else due
        task = asyncio.get_running_loop().create_task(one(i, ready, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    return records


async def _conversation_loop(sender: Sender, api: ApiPlugin, conversations: list["Conversation"], parallel: int,
                             duration, on_done, origin, prompts: Optional[dict] = None) -> list[RequestRecord]:
    """A failed turn ends its conversation (the next turn would lack its context); the worker moves on."""
    records: list[RequestRecord] = []
    counter = iter(range(len(conversations)))
    request_ids = itertools.count()
    deadline = origin + duration if duration else None

    async def worker() -> None:
        ready = perf_counter() - origin
        for trace in counter:
            if deadline is not None and perf_counter() >= deadline:
                return
            context: list[dict[str, Any]] = []
            for turn, delta in enumerate(conversations[trace], 1):
                context.extend(delta)
                item = PromptItem(messages=list(context))
                request_id = next(request_ids)
                if prompts is not None:
                    prompts[request_id] = item
                record = await sender.send(request_id, encode_body(api, item), ready)
                record.trace_id, record.turn = trace, turn
                records.append(record)
                if on_done is not None:
                    on_done(record)
                ready = perf_counter() - origin
                if not record.success:
                    break
                context.append({"role": "assistant", "content": record.text})

    await asyncio.gather(*(worker() for _ in range(min(parallel, len(conversations)))))
    return records
