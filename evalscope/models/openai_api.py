"""The OpenAI-compatible async client (chat completions and plain completions).

One transport loop for streaming and non-streaming requests, retried with backoff on
connection errors, timeouts, 429 and 5xx (honouring ``Retry-After``); any other 4xx fails at
once. Latency and time to first token are measured per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Optional

from evalscope.api import ChatMessage, ModelError, ModelOutput
from evalscope.registry import register
from evalscope.secrets import is_secret_name, mask_url, redact, url_secrets
from evalscope.wire.json_body import dumps_body
from evalscope.wire.openai import StreamAccumulator, build_payload, endpoint_url, error_message, parse_response
from evalscope.wire.retry import RetryPolicy, Transient, is_transient_status, retry_after_seconds, send_with_retries
from evalscope.wire.sse import SSEDecoder

if TYPE_CHECKING:
    import aiohttp

    from evalscope.config import GenerationConfig, TaskConfig

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600.0


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

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        body = build_payload(self.kind, self.model_name, messages, config.request_fields(), config.stream)
        raw = dumps_body(body)  # inline images (megabytes of base64) spliced in, not scanned by the JSON encoder
        policy = self._retry or RetryPolicy(retries=config.retries)
        attempts = 0

        async def attempt() -> ModelOutput:
            nonlocal attempts
            attempts += 1
            return await self._send(body, raw, config)

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

    async def _send(self, body: dict[str, Any], raw: bytes, config: "GenerationConfig") -> ModelOutput:
        import aiohttp

        session = await self._client()
        timeout = aiohttp.ClientTimeout(total=config.timeout or DEFAULT_TIMEOUT)
        started = time.perf_counter()
        try:
            async with session.post(self.url, data=raw, headers=self._headers(config), timeout=timeout) as resp:
                if resp.status != 200:
                    raw = await resp.read()
                    message = error_message(resp.status, raw)
                    if is_transient_status(resp.status):
                        raise Transient(message, retry_after_seconds(resp.headers))
                    raise ModelError(message, status=resp.status)
                if body.get("stream"):
                    output = await self._read_stream(resp, started)
                else:
                    output = self._read_json(await resp.read())
        except asyncio.TimeoutError:
            raise Transient(f"request timed out after {timeout.total:g}s") from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise Transient(f"connection error: {type(exc).__name__}: {exc}") from None
        output.latency = time.perf_counter() - started
        return output

    def _read_json(self, raw: bytes) -> ModelOutput:
        try:
            data = json.loads(raw)
        except ValueError:
            snippet = raw[:200].decode("utf-8", errors="replace")
            raise Transient(f"malformed JSON in response: {snippet!r}") from None
        return parse_response(self.kind, data)

    async def _read_stream(self, resp: "aiohttp.ClientResponse", started: float) -> ModelOutput:
        decoder = SSEDecoder()
        acc = StreamAccumulator(self.kind)
        ttft: Optional[float] = None
        done = False
        async for chunk in resp.content.iter_any():
            for event in decoder.feed(chunk):
                if event.is_done:
                    done = True
                    continue
                if acc.feed(_loads_chunk(event.data)) and ttft is None:
                    ttft = time.perf_counter() - started
        for event in decoder.finish():
            if event.is_done:
                done = True
            elif acc.feed(_loads_chunk(event.data)) and ttft is None:
                ttft = time.perf_counter() - started
        if not done and acc.finish_reason is None:
            raise Transient("stream ended before the answer was complete (no finish_reason, no [DONE])")
        output = acc.output()
        output.ttft = ttft
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
