"""One retry policy for every HTTP client: what is transient, and how long to wait.

Transient: connection errors, timeouts, HTTP 408, 409, 429 and 5xx. Any other 4xx will not
change on retry and is returned at once. ``Retry-After`` (seconds or an HTTP date) is honoured,
capped by ``max_backoff``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_STATUS = frozenset({408, 409, 429})


def is_transient_status(status: int) -> bool:
    """True when an HTTP status may succeed if the same request is sent again."""
    return status in TRANSIENT_STATUS or 500 <= status <= 599


def retry_after_seconds(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for, ``None`` when absent or unreadable."""
    if not headers:
        return None
    value = None
    for key, v in headers.items():
        if key.lower() == "retry-after":
            value = v
            break
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; ``retries`` is the number of re-sends after the first."""

    retries: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0

    def backoff(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait before re-send number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        cap = min(self.max_backoff, self.initial_backoff * (2 ** (attempt - 1)))
        return (rng or random).uniform(cap / 2, cap)


class Transient(Exception):
    """A failure that may pass if the same request is sent again (connection, timeout, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def send_with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                            give_up: Callable[[str, int], Exception], what: str = "request") -> T:
    """The one retry loop of every client: ``send`` raises ``Transient`` to be re-sent, anything else ends it.

    After ``policy.retries`` re-sends the last problem becomes ``give_up(problem, attempts)``, raised.
    ``send`` is awaited once per attempt; ``attempts`` counts every send.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return await send()
        except Transient as exc:
            if attempt > policy.retries:
                raise give_up(str(exc), attempt) from None
            wait = policy.backoff(attempt, exc.retry_after)
            logger.info("%s failed (%s); retry %d of %d in %.2fs", what, exc, attempt, policy.retries, wait)
            await asyncio.sleep(wait)
