"""The client's check on itself: was it able to send on time and read chunks as they came?

Three signals, all recorded in the summary under ``self_check``:

- send lateness = send_time - ready_time per request (ready: due by the schedule and a slot free);
- event-loop lag: a probe task sleeps ``interval`` and measures how late it wakes up; a busy loop
  wakes it late, and delays every chunk timestamp by about as much;
- CPU busyness: process CPU time / wall time of the run (one event loop: near 1.0 means saturated).

When p99 lateness or p99 loop lag exceed ``LAG_LIMIT_S`` or busyness exceeds ``BUSY_LIMIT``, the run is
*client-bound*: its latency figures include the client's own delay and are not trustworthy.
"""

from __future__ import annotations

import asyncio
import time
from typing import Optional

from pydantic import BaseModel, ConfigDict

from evalscope.perf.metrics import Distribution

LAG_LIMIT_S = 0.010
BUSY_LIMIT = 0.9


class LoopMonitor:
    """Samples event-loop lag every ``interval`` seconds while running."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: Optional[asyncio.Task] = None
        self._cpu0 = self._wall0 = 0.0
        self.cpu = self.wall = 0.0

    def start(self) -> None:
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._probe())

    async def _probe(self) -> None:
        interval, lags, clock = self.interval, self.lags, time.perf_counter
        while True:
            t = clock()
            await asyncio.sleep(interval)
            lags.append(max(0.0, clock() - t - interval))

    async def stop(self) -> None:
        self.cpu = time.process_time() - self._cpu0
        self.wall = time.perf_counter() - self._wall0
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass


class SelfCheck(BaseModel):
    """How well the client kept up (times in ms)."""

    model_config = ConfigDict(extra="forbid")

    send_lateness_ms: Distribution
    loop_lag_ms: Distribution
    cpu_busy: Optional[float]
    """Client process CPU seconds per wall second during the run."""
    client_bound: bool
    reasons: list[str]


def assess(lateness_s: list[float], loop_lags_s: list[float], cpu: float, wall: float) -> SelfCheck:
    late = Distribution.of(lateness_s, scale=1000.0)
    lag = Distribution.of(loop_lags_s, scale=1000.0)
    busy = cpu / wall if wall > 0 else None
    reasons = []
    limit_ms = LAG_LIMIT_S * 1000
    if late.percentiles.get("p99") is not None and late.percentiles["p99"] > limit_ms:
        reasons.append(f"p99 send lateness {late.percentiles['p99']:.1f} ms > {limit_ms:g} ms")
    if lag.percentiles.get("p99") is not None and lag.percentiles["p99"] > limit_ms:
        reasons.append(f"p99 event-loop lag {lag.percentiles['p99']:.1f} ms > {limit_ms:g} ms")
    if busy is not None and busy > BUSY_LIMIT:
        reasons.append(f"client CPU busy {busy:.0%} > {BUSY_LIMIT:.0%}")
    return SelfCheck(send_lateness_ms=late, loop_lag_ms=lag, cpu_busy=busy, client_bound=bool(reasons), reasons=reasons)
