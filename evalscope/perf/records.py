"""The per-request record: raw timestamps and what came back. Metrics are derived from it (``metrics.py``).

Times are seconds on the client's monotonic clock (``time.perf_counter``) relative to the start of
the run; ``wall_origin`` of the run turns them into epoch seconds.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

TokenSource = Literal["usage", "tokenizer", "dataset"]


class RequestRecord(BaseModel):
    """One request of a run (warm-up requests are not recorded)."""

    model_config = ConfigDict(extra="forbid")

    request_id: int
    """0-based index in the run."""
    request: str
    """The JSON body sent (images are elided in the DB copy)."""
    stream: bool
    scheduled_time: Optional[float] = None
    """When the arrival schedule made the request due (``--rate`` only)."""
    ready_time: float
    """When the client could send it: due and a concurrency slot free."""
    send_time: float
    """When the client actually started sending it."""
    chunk_times: list[float] = Field(default_factory=list)
    """Arrival time of every chunk that carried content (text or reasoning); non-stream: the body."""
    chunk_tokens: Optional[list[int]] = None
    """Tokens in each content chunk, when known (a tokenizer, or usage equal to the chunk count)."""
    end_time: Optional[float] = None
    """When the response was complete (or failed)."""
    success: bool = False
    error: Optional[str] = None
    """Why it failed: ``HTTP 500: ...``, ``timeout``, ``connection dropped``, ``malformed JSON``, ``no [DONE]``."""
    status: Optional[int] = None
    """HTTP status, ``None`` when no response came."""
    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None
    prompt_token_source: Optional[TokenSource] = None
    completion_token_source: Optional[TokenSource] = None
    text: str = ""
    """Generated text (reasoning excluded)."""
    reasoning: str = ""
    """Generated reasoning (``reasoning_content``)."""
    chunk_texts: Optional[list[str]] = None
    """Text of each content chunk; kept only when a tokenizer will count tokens per chunk (not stored)."""
    finish_reason: Optional[str] = None
    usage: Optional[dict[str, Any]] = None
    """The server's ``usage`` object, as sent."""
    saw_done: bool = False
    """The stream ended with ``data: [DONE]``."""
    n_events: int = 0
    """SSE events received (role, content, final, usage chunks)."""
    trace_id: Optional[int] = None
    """``--multi-turn``: the conversation (0-based in the run) this turn belongs to."""
    turn: Optional[int] = None
    """``--multi-turn``: 1-based turn number (the user turns the request carries)."""
