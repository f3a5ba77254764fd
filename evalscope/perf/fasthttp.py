"""A minimal HTTP/1.1 client on asyncio protocols, for plain ``http://`` targets.

Why: with ``aiohttp`` every network read wakes the request's task through a ``StreamReader``; at a
few hundred streams that per-chunk cost, not the server, dominates a client core, and each chunk's
timestamp waits for the wake-up. Here ``data_received`` timestamps the bytes and feeds them straight
to the ``ResponseParser``: one callback per read, no task switch. Supports keep-alive, chunked and
``Content-Length`` bodies, and close-delimited bodies; skips interim (1xx) heads; 204/304 end at the head.
A connection whose framing is in doubt (bytes past the body, ``Transfer-Encoding`` with ``Content-Length``)
is closed, not reused. No TLS, proxies, upgrades or compression (``https`` targets use ``aiohttp``).
"""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Optional
from urllib.parse import urlsplit

from evalscope.errors import UsageError
from evalscope.perf.response import ResponseParser
from evalscope.perf.validate import header_problem

_HEAD_END = b"\r\n\r\n"


class _Exchange:
    """One request/response on a connection: the HTTP framing state machine."""

    __slots__ = ("parser", "origin", "future", "conn", "status", "head", "chunked", "remaining", "need_crlf",
                 "trailers", "cbuf", "error_body", "keep_alive", "got_bytes", "last_data", "until_close")

    def __init__(self, parser: ResponseParser, origin: float, future: asyncio.Future,
                 conn: Optional["_Conn"] = None) -> None:
        self.parser, self.origin, self.future, self.conn = parser, origin, future, conn
        self.status: Optional[int] = None
        self.head = bytearray()
        self.chunked = False
        self.remaining = 0
        self.need_crlf = False
        self.trailers = False
        self.cbuf = b""
        self.error_body = bytearray()
        self.keep_alive = True
        self.got_bytes = False
        self.last_data = perf_counter()
        self.until_close = False

    def on_data(self, data: bytes, now: float) -> None:
        self.got_bytes = True
        self.last_data = now
        if self.status is None:
            data = self._head(data, now)
            if not data:
                return
        if self.chunked:
            self._chunked(data, now)
        elif self.until_close:
            self._body(data, now)
        else:
            self._sized(data, now)

    def _head(self, data: bytes, now: float) -> Optional[bytes]:
        """Collects the head (skipping interim 1xx heads); returns the bytes after it, once it is whole."""
        head = self.head
        head += data
        while self.status is None:
            end = head.find(_HEAD_END)
            if end < 0:
                return None
            block = bytes(head[:end])
            del head[: end + 4]
            self._parse_head(block)
            if self.future.done():
                return None
        rest = bytes(head)
        head.clear()
        if not rest and not self.chunked and not self.until_close and self.remaining == 0:
            self._complete(now)
        return rest

    def _parse_head(self, head: bytes) -> None:
        """A final head sets ``status`` and the framing; an interim one (1xx) leaves ``status`` unset."""
        lines = head.split(b"\r\n")
        try:
            version, code = lines[0].split(b" ", 2)[:2]
            status = int(code)
            if not version.startswith(b"HTTP/") or not 100 <= status <= 999:
                raise ValueError
        except ValueError:
            self._fail("malformed HTTP response: " + repr(lines[0][:80]))
            return
        if status < 200:
            if status == 101:
                self.status = status
                self._fail("HTTP 101 Switching Protocols: protocol upgrades are not supported")
            return  # 100 Continue, 103 Early Hints, ...: the final head follows
        lengths: list[bytes] = []
        chunked, close = False, version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                lengths += value.split(b",")
            elif name == b"transfer-encoding":
                chunked = chunked or b"chunked" in value.lower()
            elif name == b"connection":
                close = close or b"close" in [v.strip() for v in value.lower().split(b",")]
        self.status, self.keep_alive = status, not close
        if status in (204, 304):  # never a body (RFC 9112 6.3): the exchange ends with the head
            return
        if chunked:  # Transfer-Encoding overrides Content-Length; with both, the framing is suspect: don't reuse
            self.chunked = True
            self.keep_alive = self.keep_alive and not lengths
        elif not lengths:
            self.until_close, self.keep_alive = True, False
        else:
            try:
                self.remaining = _content_length(lengths)
            except ValueError as exc:
                self._fail(f"malformed HTTP response: {exc}")

    def _sized(self, data: bytes, now: float) -> None:
        """A ``Content-Length`` body: feeds ``remaining`` bytes at most; more means the framing is lost."""
        left = self.remaining
        if len(data) < left:
            self.remaining = left - len(data)
            self._body(data, now)
            return
        if len(data) > left:
            self.keep_alive = False
            data = data[:left]
        self.remaining = 0
        if data:
            self._body(data, now)
        self._complete(now)

    def _body(self, piece: bytes, now: float) -> None:
        if self.status == 200:
            self.parser.feed(piece, now - self.origin)
        elif len(self.error_body) < 2000:
            self.error_body += piece

    def _chunked(self, data: bytes, now: float) -> None:
        buf = self.cbuf + data if self.cbuf else data
        pos, n = 0, len(buf)
        while True:
            if self.remaining:
                take = min(self.remaining, n - pos)
                if take:
                    self._body(buf[pos : pos + take], now)
                    pos += take
                    self.remaining -= take
                if self.remaining:
                    break
                self.need_crlf = True
            if self.need_crlf:
                if n - pos < 2:
                    break
                pos += 2
                self.need_crlf = False
            i = buf.find(b"\r\n", pos)
            if i < 0:
                break
            line = buf[pos:i]
            pos = i + 2
            if self.trailers:
                if not line:
                    self.cbuf = b""
                    if pos < n:  # bytes past the end of the body: the connection cannot be reused
                        self.keep_alive = False
                    self._complete(now)
                    return
                continue
            try:
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                self._fail(f"malformed chunked encoding: {line[:40]!r}")
                return
            if size == 0:
                self.trailers = True
            else:
                self.remaining = size
        self.cbuf = buf[pos:]

    def _complete(self, now: float) -> None:
        if not self.future.done():
            self.future.set_result(now)
        self._detach()

    def _fail(self, error: str) -> None:
        if not self.future.done():
            self.future.set_exception(ConnectionError(error))
        self._detach()

    def _detach(self) -> None:
        """The exchange is over: later bytes on the connection are nobody's (it gets closed, not reused)."""
        if self.conn is not None and self.conn.exchange is self:
            self.conn.exchange = None


def _content_length(values: list[bytes]) -> int:
    """The body length of the ``Content-Length`` values (repeated identical values are one)."""
    values = [v.strip() for v in values]
    bad = [v for v in values if not v.isdigit()]
    if bad:
        raise ValueError(f"Content-Length {bad[0][:40].decode('latin-1')!r} is not a length")
    lengths = {int(v) for v in values}
    if len(lengths) > 1:
        raise ValueError(f"conflicting Content-Length values {sorted(lengths)}")
    return lengths.pop()


class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.exchange: Optional[_Exchange] = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        ex = self.exchange
        if ex is None:  # bytes nobody asked for: the connection cannot be reused
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            return
        ex.on_data(data, perf_counter())

    def eof_received(self):
        return False

    def connection_lost(self, exc) -> None:
        self.closed = True
        ex = self.exchange
        if ex is not None and not ex.future.done():
            if ex.until_close and ex.status is not None:
                ex.future.set_result(perf_counter())
            else:
                reason = f"{type(exc).__name__}: {exc}" if exc else "server closed the connection"
                ex.future.set_exception(ConnectionResetError(reason))


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
        self._idle: list[_Conn] = []

    async def _connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        coro = loop.create_connection(_Conn, self.host, self.port)
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
        conns = [c for c in results if isinstance(c, _Conn)]
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

    async def _exchange(self, conn: _Conn, body: bytes, parser, origin, reused: bool):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        ex = _Exchange(parser, origin, future, conn)
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


def _idle_check(loop, ex: _Exchange, limit: float, timers: list) -> None:
    if ex.future.done():
        return
    quiet = perf_counter() - ex.last_data
    if quiet >= limit:
        ex.future.set_exception(asyncio.TimeoutError(read_timeout_text(limit)))
    else:
        timers.append(loop.call_later(limit - quiet, _idle_check, loop, ex, limit, timers))
