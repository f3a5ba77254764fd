"""Gathers concurrent requests into batched calls of one blocking function, run off the event loop.

A request waits at most ``window`` seconds for others with the same key to join it (or until the batch is
full); while a batch runs, the next one fills up. One batch runs at a time (one model, one device), in a
worker thread, so the event loop keeps serving the engine. Pure asyncio, no torch.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Optional


@dataclass
class _Request:
    key: Hashable
    item: Any
    future: asyncio.Future
    queued: float = field(default_factory=time.monotonic)


class Batcher:
    """``await submit(key, item)`` -> ``run(key, [items])[i]``, with up to ``max_batch_size`` items a call."""

    def __init__(self, run: Callable[[Hashable, list[Any]], list[Any]], max_batch_size: int = 8,
                 window: float = 0.005) -> None:
        self._run = run
        self.max_batch_size = max(1, max_batch_size)
        self.window = max(0.0, window)
        self._queue: list[_Request] = []
        self._arrived: Optional[asyncio.Event] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._worker: Optional[asyncio.Task] = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")
        self.batch_sizes: list[int] = []
        """Size of every call made (for tests and benchmarks)."""

    async def submit(self, key: Hashable, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (another asyncio.run): nothing of the old one is usable
            self._loop, self._arrived, self._worker, self._queue = loop, asyncio.Event(), None, []
        request = _Request(key, item, loop.create_future())
        self._queue.append(request)
        self._arrived.set()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._drain())
        return await request.future

    def _same_key(self, key: Hashable) -> list[_Request]:
        return [r for r in self._queue if r.key == key and not r.future.done()]

    async def _gather(self) -> list[_Request]:
        """The next batch: the oldest request and those of its key, after the window (or once full)."""
        first = self._queue[0]
        deadline = first.queued + self.window
        assert self._arrived is not None
        while len(self._same_key(first.key)) < self.max_batch_size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                break
        batch = self._same_key(first.key)[: self.max_batch_size]
        taken = {id(r) for r in batch}
        self._queue = [r for r in self._queue if id(r) not in taken and not r.future.done()]
        return batch

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            self._queue = [r for r in self._queue if not r.future.done()]  # cancelled while waiting
            if not self._queue:
                break
            batch = await self._gather()
            if not batch:
                continue
            self.batch_sizes.append(len(batch))
            try:
                results = await loop.run_in_executor(self._executor, self._run, batch[0].key,
                                                     [r.item for r in batch])
                if len(results) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} gave {len(results)} results")
            except Exception as exc:  # the whole call failed: every request in it gets the error
                for r in batch:
                    if not r.future.done():
                        r.future.set_exception(exc)
                continue
            for r, result in zip(batch, results):
                if not r.future.done():
                    r.future.set_result(result)

    def close(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
