"""A minimal HTTP/1.1 client on asyncio protocols, for plain ``http://`` targets.

Why: with ``aiohttp`` every network read wakes the request's task through a ``StreamReader``; at a
few hundred streams that per-chunk cost, not the server, dominates a client core, and each chunk's
timestamp waits for the wake-up. Here ``data_received`` timestamps the bytes and feeds them straight
to the ``ResponseParser``: one callback per read, no task switch. The framing (keep-alive, chunked,
``Content-Length`` and close-delimited bodies, interim heads) is ``evalscope.wire.http1``'s, shared with the eval
client. No TLS, proxies, upgrades or compression (``https`` targets use ``aiohttp``).
"""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Optional
from urllib.parse import urlsplit

from evalscope.errors import UsageError
from evalscope.perf.response import ResponseParser
from evalscope.wire.http1 import Connection, Exchange, header_problem


class Transport:
    """A pool of keep-alive connections to one ``http://host:port``."""

    def __init__(self, url: str, headers: dict[str, str], connect_timeout: Optional[float],
                 read_timeout: Optional[float], total_timeout: Optional[float]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError("fasthttp handles http:// only")
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Accept-Encoding: identity", "Connection: keep-alive"]
        for k, v in headers.items():  # PerfArgs checked them; a plugin or API caller may not have
            problem = header_problem(k, v)
            if problem:
                raise UsageError(problem)
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self.connect_timeout, self.read_timeout, self.total_timeout = connect_timeout, read_timeout, total_timeout
        self._idle: list[Connection] = []

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        coro = loop.create_connection(Connection, self.host, self.port)
        if self.connect_timeout:
            _, conn = await asyncio.wait_for(coro, self.connect_timeout)
        else:
            _, conn = await coro
        return conn

    async def prewarm(self, n: int) -> int:
        """Open up to ``n`` idle connections before the clock starts (TCP only: no request is sent)."""
        missing = n - len(self._idle)
        if missing <= 0:
            return 0
        results = await asyncio.gather(*(self._connect() for _ in range(missing)), return_exceptions=True)
        conns = [c for c in results if isinstance(c, Connection)]
        self._idle.extend(conns)
        return len(conns)

    async def request(self, body: bytes, parser: ResponseParser, origin: float) -> tuple[Optional[int], float, Optional[str]]:
        """Send ``body``; returns (status, end time relative to ``origin``, error or ``None``)."""
        for attempt in (0, 1):
            conn = None
            while attempt == 0 and self._idle and conn is None:  # drop connections closed while idle
                candidate = self._idle.pop()
                conn = None if candidate.closed else candidate
            reused = conn is not None
            if conn is None:
                try:
                    conn = await self._connect()
                except (OSError, asyncio.TimeoutError) as exc:
                    kind = "timeout" if isinstance(exc, asyncio.TimeoutError) else f"connection error: {type(exc).__name__}: {exc}"
                    return None, perf_counter() - origin, kind
            # a reused connection that dies before any byte may have been closed by the server while idle:
            # re-send once, on a new connection
            status, end, error, retry = await self._exchange(conn, body, parser, origin, reused and attempt == 0)
            if not retry:
                return status, end, error
        return None, perf_counter() - origin, "connection error: no usable connection"

    async def _exchange(self, conn: Connection, body: bytes, parser, origin, reused: bool):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        ex = Exchange(parser, origin, future, conn)
        conn.exchange = ex
        conn.transport.write(self._head + str(len(body)).encode() + b"\r\n\r\n" + body)  # type: ignore[union-attr]
        timers = []
        if self.total_timeout:
            timers.append(loop.call_later(self.total_timeout, _expire, future))
        if self.read_timeout:
            timers.append(loop.call_later(self.read_timeout, _idle_check, loop, ex, self.read_timeout, timers))
        try:
            end = await future
            error = None
        except asyncio.TimeoutError as exc:
            end, error = perf_counter(), str(exc) or "timeout"
        except ConnectionResetError as exc:
            if reused and not ex.got_bytes:  # a stale keep-alive connection: try once on a new one
                return None, 0.0, None, True
            end, error = perf_counter(), f"connection dropped: {exc}"
        except ConnectionError as exc:
            end, error = perf_counter(), str(exc)
        finally:
            for t in timers:
                t.cancel()
            conn.exchange = None
        if error is None and ex.keep_alive and not conn.closed:
            self._idle.append(conn)
        else:
            conn.closed = True
            conn.transport.close()  # type: ignore[union-attr]
        if error is None and ex.status != 200:
            error = f"HTTP {ex.status}: {bytes(ex.error_body[:300]).decode('utf-8', 'replace')}"
        return ex.status, end - origin, error, False

    def close(self) -> None:
        for conn in self._idle:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_exception(asyncio.TimeoutError("total timeout (--total-timeout)"))


def read_timeout_text(limit: float) -> str:
    return f"read timeout: no data for {limit:g} s (--read-timeout)"


def _idle_check(loop, ex: Exchange, limit: float, timers: list) -> None:
    if ex.future.done():
        return
    quiet = perf_counter() - ex.last_data
    if quiet >= limit:
        ex.future.set_exception(asyncio.TimeoutError(read_timeout_text(limit)))
    else:
        timers.append(loop.call_later(limit - quiet, _idle_check, loop, ex, limit, timers))
