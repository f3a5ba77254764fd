"""The OpenAI-compatible async client (chat completions and plain completions).

One transport loop for streaming and non-streaming requests, retried with backoff on
connection errors, timeouts, 429 and 5xx (honouring ``Retry-After``); any other 4xx fails at
once. Latency and time to first token are measured per request. An ``http://`` URL is served by
``evalscope.wire.http1``'s keep-alive pool (a body of megabytes written as it was made, the answer fed to its
parser per network read); ``https`` by ``aiohttp``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from evalscope.api import ChatMessage, ModelError, ModelOutput
from evalscope.registry import register
from evalscope.secrets import is_secret_name, mask_url, redact, url_secrets
from evalscope.wire.http1 import ConnectionPool
from evalscope.wire.json_body import body_chunks
from evalscope.wire.openai import StreamAccumulator, build_payload, endpoint_url, error_message, parse_response
from evalscope.wire.retry import RetryPolicy, Transient, is_transient_status, retry_after_seconds, send_with_retries
from evalscope.wire.sse import SSEDecoder

if TYPE_CHECKING:
    import aiohttp

    from evalscope.config import GenerationConfig, TaskConfig

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class EncodedRequest:
    """A request body ready to send (``OpenAICompatibleModel.encode_request``)."""

    chunks: tuple[bytes, ...]
    """The JSON body, in pieces written one after another (an image's base64 among them as it was made)."""
    stream: bool
    """Whether the answer comes as server-sent events."""


class OpenAICompatibleModel:
    """A model served behind an OpenAI-compatible HTTP API."""

    def __init__(self, model_name: str, api_url: str, api_key: Optional[str] = None,
                 max_connections: int = 256, retry: Optional[RetryPolicy] = None) -> None:
        self.model_name = model_name
        self.url, self.kind = endpoint_url(api_url)
        self._api_key = api_key
        self._max_connections = max_connections
        self._retry = retry
        self._session: Optional["aiohttp.ClientSession"] = None
        self._pool: Optional[ConnectionPool] = None
        self._pool_loop: Optional[asyncio.AbstractEventLoop] = None

    @classmethod
    def from_task(cls, task: "TaskConfig") -> "OpenAICompatibleModel":
        key = task.api_key.get_secret_value() if task.api_key else None
        return cls(str(task.model or task.model_id), task.api_url or "", key,
                   max_connections=max(task.eval_batch_size, 1))

    async def _client(self) -> "aiohttp.ClientSession":
        if self._session is None or self._session.closed:
            import aiohttp

            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=self._max_connections)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @property
    def safe_url(self) -> str:
        """The request URL with its credentials and secret query values masked."""
        return mask_url(self.url)

    def redact(self, text: str, config: Optional["GenerationConfig"] = None) -> str:
        """``text`` (an error message) without the key, secret header values or URL secrets."""
        secrets = [self._api_key or "", *url_secrets(self.url)]
        if config is not None:
            secrets += [str(v) for k, v in config.extra_headers.items() if is_secret_name(k)]
        return redact(text.replace(self.url, self.safe_url), secrets)

    def _headers(self, config: "GenerationConfig") -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key and self._api_key != "EMPTY":
            headers["Authorization"] = f"Bearer {self._api_key}"
        headers.update(config.extra_headers)
        return headers

    def encode_request(self, messages: list[ChatMessage], config: "GenerationConfig") -> EncodedRequest:
        """The request body of ``messages``: pure and thread-safe, so that the engine encodes an image sample's
        request ahead, in its image pool (megabytes of base64 copied there, not on the event loop)."""
        body = build_payload(self.kind, self.model_name, messages, config.request_fields(), config.stream)
        # inline images (megabytes of base64) spliced in, not scanned by the JSON encoder
        return EncodedRequest(chunks=tuple(body_chunks(body)), stream=bool(body.get("stream")))

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        return await self.generate_encoded(self.encode_request(messages, config), config)

    async def generate_encoded(self, request: EncodedRequest, config: "GenerationConfig") -> ModelOutput:
        """The answer to a request made by :meth:`encode_request` (sent as it is, retried by the policy)."""
        policy = self._retry or RetryPolicy(retries=config.retries)
        attempts = 0

        async def attempt() -> ModelOutput:
            nonlocal attempts
            attempts += 1
            return await self._send(request, config)

        def give_up(problem: str, count: int) -> ModelError:
            return ModelError(self.redact(f"{problem} (after {count} attempts)", config), transient=True)

        try:
            output = await send_with_retries(attempt, policy, give_up, what=f"request to {self.safe_url}")
        except ModelError as exc:
            raise ModelError(self.redact(str(exc), config), status=exc.status, transient=exc.transient) from None
        except (ValueError, TypeError) as exc:  # aiohttp's InvalidURL, a header it refuses
            raise ModelError(self.redact(f"cannot send the request: {type(exc).__name__}: {exc}", config)) from None
        output.attempts = attempts
        return output

    def _http_pool(self) -> Optional[ConnectionPool]:
        """The keep-alive pool of an ``http://`` URL (this event loop's); ``None`` for ``https``: aiohttp."""
        if not self.url.startswith("http://"):
            return None
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool_loop is not loop:
            self._pool, self._pool_loop = ConnectionPool(self.url, self._max_connections), loop
        return self._pool

    async def _send(self, request: EncodedRequest, config: "GenerationConfig") -> ModelOutput:
        total = config.timeout or DEFAULT_TIMEOUT
        started = time.perf_counter()
        answer = _AnswerSink(self.kind, request.stream)
        pool = self._http_pool()
        if pool is None:
            status, retry_after, error_body = await self._send_aiohttp(request, config, total, answer, started)
        else:
            try:
                status, retry_after, error_body = await pool.post(request.chunks, self._headers(config), answer,
                                                                  total, started)
            except asyncio.TimeoutError:
                raise Transient(f"request timed out after {total:g}s") from None
            except OSError as exc:  # refused, reset, or a malformed answer (ConnectionError)
                raise Transient(f"connection error: {type(exc).__name__}: {exc}") from None
        if status != 200:
            message = error_message(status, error_body)
            if is_transient_status(status):
                raise Transient(message, retry_after_seconds({"Retry-After": retry_after} if retry_after else None))
            raise ModelError(message, status=status)
        output = answer.output(time.perf_counter() - started)
        output.latency = time.perf_counter() - started
        return output

    async def _send_aiohttp(self, request: EncodedRequest, config: "GenerationConfig", total: float,
                            answer: "_AnswerSink", started: float) -> tuple[int, Optional[str], bytes]:
        import aiohttp

        session = await self._client()
        data = request.chunks[0] if len(request.chunks) == 1 else b"".join(request.chunks)
        try:
            async with session.post(self.url, data=data, headers=self._headers(config),
                                    timeout=aiohttp.ClientTimeout(total=total)) as resp:
                if resp.status != 200:
                    return resp.status, resp.headers.get("Retry-After"), await resp.read()
                async for chunk in resp.content.iter_any():
                    answer.feed(chunk, time.perf_counter() - started)
                return 200, None, b""
        except asyncio.TimeoutError:
            raise Transient(f"request timed out after {total:g}s") from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise Transient(f"connection error: {type(exc).__name__}: {exc}") from None


class _AnswerSink:
    """A 200 answer's body as it arrives (``feed``, per network read): kept whole (JSON), or decoded as
    server-sent events (a stream), the time of the first content kept as the TTFT. A fault found while feeding is
    raised by :meth:`output`."""

    __slots__ = ("kind", "parts", "decoder", "acc", "ttft", "done", "error")

    def __init__(self, kind: str, stream: bool) -> None:
        self.kind = kind
        self.parts: list[bytes] = []
        self.decoder = SSEDecoder() if stream else None
        self.acc = StreamAccumulator(kind) if stream else None
        self.ttft: Optional[float] = None
        self.done = False
        self.error: Optional[Exception] = None

    def feed(self, data: bytes, now: float) -> None:
        if self.decoder is None:
            self.parts.append(data)
        elif self.error is None:
            try:
                self._events(self.decoder.feed(data), now)
            except Exception as exc:  # raised from output(), not into the connection's callback
                self.error = exc

    def _events(self, events: Any, now: float) -> None:
        assert self.acc is not None
        for event in events:
            if event.is_done:
                self.done = True
            elif self.acc.feed(_loads_chunk(event.data)) and self.ttft is None:
                self.ttft = now

    def output(self, now: float) -> ModelOutput:
        """The answer, once the body has ended (``now``: seconds since the request was sent)."""
        if self.decoder is None:
            raw = self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)
            try:
                data = json.loads(raw)
            except ValueError:
                snippet = raw[:200].decode("utf-8", errors="replace")
                raise Transient(f"malformed JSON in response: {snippet!r}") from None
            return parse_response(self.kind, data)
        if self.error is not None:
            raise self.error
        self._events(self.decoder.finish(), now)
        assert self.acc is not None
        if not self.done and self.acc.finish_reason is None:
            raise Transient("stream ended before the answer was complete (no finish_reason, no [DONE])")
        output = self.acc.output()
        output.ttft = self.ttft
        return output


def _loads_chunk(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise Transient(f"malformed JSON in stream chunk: {data[:200]!r}") from None


@register("model", "openai_api")
def _openai_factory(task: "TaskConfig") -> OpenAICompatibleModel:
    return OpenAICompatibleModel.from_task(task)


_openai_factory.args_model = None  # type: ignore[attr-defined]  # takes no model_args (evalscope.run checks)
