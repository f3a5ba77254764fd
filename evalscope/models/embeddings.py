"""The OpenAI-compatible embeddings client (``POST {base_url}/embeddings``).

Pure codec functions (``build_payload``, ``parse_response``) and one async transport loop:
texts are cut into batches of ``batch_size``, at most ``concurrency`` batches are in flight,
transient failures are re-sent under ``evalscope.wire.retry``'s policy, and the vectors come back
in input order. ``dimensions`` is sent only when it is set; a server that rejects it gets an
error telling the user to unset it; every returned vector is checked against the expected size.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from evalscope.errors import RunFailed
from evalscope.wire.openai import build_embeddings_payload, embeddings_url, error_text, parse_embeddings
from evalscope.wire.retry import RetryPolicy, Transient, is_transient_status, retry_after_seconds, send_with_retries

logger = logging.getLogger(__name__)

Vector = list[float]


class EmbeddingsError(RunFailed):
    """An embeddings request that failed for good (after retries, or not retryable)."""


class DimensionsRejected(EmbeddingsError):
    """The server refused the ``dimensions`` parameter."""


class DimensionMismatch(EmbeddingsError):
    """The server returned vectors of another size than expected."""


class EmbeddingsConfig(BaseModel):
    """How to reach one embeddings endpoint."""

    model_config = ConfigDict(extra="forbid")

    model: str
    """Model id sent as ``model``."""
    base_url: str
    """API base, e.g. ``http://127.0.0.1:8000/v1`` (``/embeddings`` is appended unless present)."""
    api_key: Optional[SecretStr] = None
    """Sent as ``Authorization: Bearer``; never logged."""
    dimensions: Optional[int] = Field(default=None, ge=1)
    """Requested output size; ``None`` sends nothing and accepts the model's native size."""
    batch_size: int = Field(default=32, ge=1)
    """Texts per request."""
    concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once."""
    timeout: float = Field(default=120.0, gt=0)
    """Seconds per request (connect + read)."""
    retries: int = Field(default=5, ge=0)
    """Re-sends of a request after a transient failure."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers on every request."""
    encoding_format: Optional[str] = None
    """``float`` or ``base64``; ``None`` sends nothing (the server's default, float)."""

    @field_validator("encoding_format")
    @classmethod
    def _check_format(cls, v: Optional[str]) -> Optional[str]:
        if v not in (None, "float", "base64"):
            raise ValueError("encoding_format must be 'float' or 'base64'")
        return v

    @property
    def url(self) -> str:
        return embeddings_url(self.base_url)


def build_payload(config: EmbeddingsConfig, texts: Sequence[str]) -> dict[str, Any]:
    """The JSON body of one request; ``dimensions`` only when it is set."""
    return build_embeddings_payload(config.model, texts, config.dimensions, config.encoding_format)


def build_headers(config: EmbeddingsConfig) -> dict[str, str]:
    headers = {"Content-Type": "application/json", **config.headers}
    if config.api_key is not None and config.api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {config.api_key.get_secret_value()}"
    return headers


def error_message(body: Any) -> str:
    """The server's error text from an OpenAI-style (or any) error body."""
    return error_text(body) if isinstance(body, dict) else str(body)[:500]


def check_status(config: EmbeddingsConfig, status: int, body: Any) -> None:
    """Raise the error a non-2xx, non-transient answer deserves."""
    message = error_message(body)
    if config.dimensions is not None and status in (400, 422) and "dimension" in message.lower():
        raise DimensionsRejected(
            f"embeddings server at {config.url} rejected dimensions={config.dimensions} for model "
            f"{config.model!r} (HTTP {status}: {message}). This model or server does not support "
            "`dimensions`: unset it (remove `dimensions` from the model config) to use the model's "
            "native size."
        )
    raise EmbeddingsError(f"embeddings request to {config.url} failed: HTTP {status}: {message}")


def parse_response(config: EmbeddingsConfig, body: Any, n_texts: int) -> list[Vector]:
    """The vectors of a 200 answer, in input order, size-checked when ``dimensions`` is set."""
    try:
        vectors = parse_embeddings(body)
    except (KeyError, TypeError, ValueError, struct.error) as exc:
        raise EmbeddingsError(f"embeddings server at {config.url} sent a malformed embedding ({exc})") from None
    if vectors is None or len(vectors) != n_texts:
        got = len(vectors) if vectors is not None else "no"
        raise EmbeddingsError(
            f"embeddings server at {config.url} returned {got} embeddings for {n_texts} inputs"
        )
    if config.dimensions is not None:
        for v in vectors:
            if len(v) != config.dimensions:
                raise DimensionMismatch(
                    f"embeddings server at {config.url} returned vectors of size {len(v)} but "
                    f"dimensions={config.dimensions} was requested: the server ignores `dimensions`; "
                    "unset it, or use a server that honours it."
                )
    return vectors


def check_consistent(config: EmbeddingsConfig, vectors: Sequence[Vector]) -> Optional[int]:
    """The common vector size; an error when the server returned vectors of several sizes."""
    sizes = {len(v) for v in vectors}
    if len(sizes) > 1:
        raise DimensionMismatch(
            f"embeddings server at {config.url} returned vectors of different sizes {sorted(sizes)}"
        )
    return sizes.pop() if sizes else None


class EmbeddingsClient:
    """Async client of one embeddings endpoint; ``embed`` keeps the input order."""

    def __init__(self, config: EmbeddingsConfig, policy: Optional[RetryPolicy] = None) -> None:
        self.config = config
        self.policy = policy or RetryPolicy(retries=config.retries)
        self.requests_sent = 0

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        import aiohttp

        texts = list(texts)
        if not texts:
            return []
        size = self.config.batch_size
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        semaphore = asyncio.Semaphore(self.config.concurrency)
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers=build_headers(self.config)) as session:

            async def one(batch: list[str]) -> list[Vector]:
                async with semaphore:
                    return await self._send(session, batch)

            results = await asyncio.gather(*(one(b) for b in batches))
        vectors = [v for batch in results for v in batch]
        check_consistent(self.config, vectors)
        return vectors

    def embed_sync(self, texts: Sequence[str]) -> list[Vector]:
        """``embed`` from synchronous code (no running event loop in this thread)."""
        return asyncio.run(self.embed(texts))

    async def _send(self, session: Any, batch: list[str]) -> list[Vector]:
        payload = build_payload(self.config, batch)

        async def attempt() -> list[Vector]:
            import aiohttp

            self.requests_sent += 1
            try:
                async with session.post(self.config.url, json=payload) as resp:
                    try:
                        body: Any = await resp.json(content_type=None)
                    except ValueError:
                        body = await resp.text()
                    if resp.status == 200:
                        return parse_response(self.config, body, len(batch))
                    if not is_transient_status(resp.status):
                        check_status(self.config, resp.status, body)
                    raise Transient(f"HTTP {resp.status}: {error_message(body)}",
                                    retry_after_seconds(dict(resp.headers)))
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise Transient(f"{type(exc).__name__}: {exc}") from None

        def give_up(problem: str, attempts: int) -> EmbeddingsError:
            return EmbeddingsError(f"embeddings request to {self.config.url} failed after {attempts} attempts: {problem}")

        return await send_with_retries(attempt, self.policy, give_up, what="embeddings request")
