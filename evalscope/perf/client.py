"""The one transport loop: send a request, timestamp every content chunk, return a ``RequestRecord``.

Nothing here decides *when* to send (``runner.py`` does). Bodies are read by ``ResponseParser``;
bytes come from ``fasthttp`` for ``http://`` URLs (timestamped in ``data_received``) or from
``aiohttp`` otherwise (``https``, or ``transport="aiohttp"``). Token counting happens after the run.
"""

from __future__ import annotations

import asyncio
import logging
from time import perf_counter
from typing import Callable, Optional

from evalscope.perf.apis.base import ApiPlugin
from evalscope.perf.fasthttp import read_timeout_text
from evalscope.perf.records import RequestRecord
from evalscope.perf.response import ResponseParser

logger = logging.getLogger(__name__)


class Sender:
    """Sends bodies to one URL; failures become records, never exceptions."""

    def __init__(self, url: str, headers: dict[str, str], api: ApiPlugin, stream: bool, origin: float, *,
                 connect_timeout: Optional[float] = None, read_timeout: Optional[float] = None,
                 total_timeout: Optional[float] = None, parallel: Optional[int] = 1, transport: str = "auto",
                 keep_chunk_texts: bool = False, debug: bool = False, require_done: bool = True,
                 redact: Optional[Callable[[str], str]] = None) -> None:
        self.url, self.headers, self.api = url, headers, api
        self.stream = stream and api.streams
        self.origin = origin
        self.keep_chunk_texts = keep_chunk_texts
        self.debug = debug
        self.require_done = require_done
        self.redact = redact  # error texts may quote the URL (aiohttp does), secrets included
        self.timeouts = (connect_timeout, read_timeout, total_timeout)
        self.parallel = parallel
        self._fast = None
        self._session = None
        if transport == "fast" or (transport == "auto" and url.startswith("http://")):
            from evalscope.perf.fasthttp import Transport

            self._fast = Transport(url, headers, connect_timeout, read_timeout, total_timeout)

    async def prewarm(self, n: int) -> None:
        """Open ``n`` connections ahead of the run, so the first wave's TTFT is not a TCP handshake."""
        if self._fast is not None:
            opened = await self._fast.prewarm(n)
            logger.debug("opened %d connections ahead of the run", opened)

    async def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
        if self._session is not None:
            await self._session.close()

    async def send(self, request_id: int, body: bytes, ready: float, scheduled: Optional[float] = None) -> RequestRecord:
        parser = ResponseParser(self.api, self.stream, self.require_done)
        send_time = perf_counter() - self.origin
        try:
            if self._fast is not None:
                status, end_time, error = await self._fast.request(body, parser, self.origin)
            else:
                status, end_time, error = await self._aiohttp(body, parser)
            if error is None:
                error = parser.finish(end_time)
            return self._record(request_id, body, ready, scheduled, send_time, parser, status, end_time, error)
        except Exception as exc:  # a client bug, or a reply no parser expected, must cost one record, not the run
            logger.debug("request %d raised", request_id, exc_info=True)
            error = f"client error: {type(exc).__name__}: {exc}"
            parser.texts, parser.reasoning = [], []
            return self._record(request_id, body, ready, scheduled, send_time, parser, None,
                                perf_counter() - self.origin, error)

    def _record(self, request_id, body, ready, scheduled, send_time, parser, status, end_time, error) -> RequestRecord:
        if error is not None and self.redact is not None:
            error = self.redact(error)
        if self.debug:
            logger.debug("request %d: status=%s error=%s text=%r", request_id, status, error, "".join(parser.texts)[:200])
        return RequestRecord.model_construct(
            request_id=request_id, request=body.decode("utf-8", errors="replace"), stream=self.stream,
            scheduled_time=scheduled, ready_time=ready, send_time=send_time, chunk_times=parser.chunk_times,
            chunk_tokens=None, end_time=end_time, success=error is None, error=error, status=status,
            prompt_tokens=None, completion_tokens=None, prompt_token_source=None, completion_token_source=None,
            text="".join(parser.texts), reasoning="".join(parser.reasoning),
            chunk_texts=list(parser.texts) if self.keep_chunk_texts else None, finish_reason=parser.finish_reason,
            usage=parser.usage, saw_done=parser.done, n_events=parser.events, trace_id=None, turn=None,
        )

    async def _aiohttp(self, body: bytes, parser: ResponseParser) -> tuple[Optional[int], float, Optional[str]]:
        import aiohttp

        if self._session is None:
            connect, read, total = self.timeouts
            timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
            limit = 0 if self.parallel is None else self.parallel + 8  # 0: no limit (open loop)
            connector = aiohttp.TCPConnector(limit=limit, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        origin = self.origin
        status = None
        try:
            async with self._session.post(self.url, data=body, headers=self.headers) as resp:
                status = resp.status
                if status != 200:
                    detail = (await resp.text())[:300]
                    return status, perf_counter() - origin, f"HTTP {status}: {detail}"
                feed = parser.feed
                async for raw in resp.content.iter_any():
                    feed(raw, perf_counter() - origin)
        except asyncio.TimeoutError as exc:  # aiohttp's sock_read timeout says it was reading
            read = self.timeouts[1] is not None and "reading" in str(exc)
            return status, perf_counter() - origin, read_timeout_text(self.timeouts[1]) if read else "timeout"
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            return status, perf_counter() - origin, f"connection dropped: {type(exc).__name__}: {exc}"
        except aiohttp.ClientError as exc:
            return status, perf_counter() - origin, f"connection error: {type(exc).__name__}: {exc}"
        return status, perf_counter() - origin, None
