"""Which asyncio event loop runs the load generator (and the mock server).

``auto`` takes uvloop when it is installed (``pip install 'evalscope[perf]'``): its C read path costs
the client a fraction of the CPU per streamed chunk, which is what keeps TTFT and ITL honest at
hundreds of streams. ``asyncio`` forces the standard loop; ``uvloop`` requires uvloop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine, Literal, Optional

from evalscope.errors import UsageError

logger = logging.getLogger(__name__)

EventLoopKind = Literal["auto", "asyncio", "uvloop"]


def _uvloop(kind: str) -> Optional[Any]:
    if kind == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if kind == "uvloop":
            raise UsageError("--event-loop uvloop needs uvloop: pip install 'evalscope[perf]'") from None
        return None
    return uvloop


def loop_name(kind: str = "auto") -> str:
    """The loop ``run`` would use for ``kind``: ``uvloop`` or ``asyncio``."""
    return "uvloop" if _uvloop(kind) is not None else "asyncio"


def run(coro: Coroutine[Any, Any, Any], kind: str = "auto") -> Any:
    """``asyncio.run(coro)`` on the loop ``kind`` selects."""
    uvloop = _uvloop(kind)
    if uvloop is None:
        return asyncio.run(coro)
    return uvloop.run(coro)
