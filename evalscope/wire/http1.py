"""HTTP/1.1 on asyncio protocols, for plain ``http://`` targets: the response framing, and a keep-alive pool.

Why not ``aiohttp`` there: every network read wakes the request's task through a ``StreamReader``, and a request
of megabytes (inline images) is joined with its head into one more copy before it is written. Here
``data_received`` feeds the bytes straight to the exchange's sink (one callback per read, no task switch), and a
body given as chunks is written chunk by chunk, each straight to the socket. :class:`Exchange` supports keep-alive,
chunked and ``Content-Length`` bodies, and close-delimited bodies; skips interim (1xx) heads; 204/304 end at the
head. A connection whose framing is in doubt (bytes past the body, ``Transfer-Encoding`` with ``Content-Length``)
is closed, not reused. No TLS, proxies, upgrades or compression (``https`` targets use ``aiohttp``).
``evalscope perf`` (its ``Transport``) and the eval client (:class:`ConnectionPool`) share the framing.
"""

from __future__ import annotations

import asyncio
import re
from time import perf_counter
from typing import NamedTuple, Optional, Protocol, Sequence
from urllib.parse import urlsplit

_HEAD_END = b"\r\n\r\n"
# RFC 9110 5.1: a field name is a token
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = ("\r", "\n", "\0")


def header_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` cannot be sent as one HTTP/1.1 header field, or ``None`` when it can.

    CR, LF and NUL would end the field (a header injection); a name must be a token; a value must be
    Latin-1 (the bytes HTTP/1.1 carries; non-Latin-1 text needs the server's own encoding, e.g. percent-encoding)."""
    if any(c in name for c in _CONTROL) or any(c in value for c in _CONTROL):
        return f"header {name!r} contains CR, LF or NUL (a header injection); remove them"
    if not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~; no spaces or ':')"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return f"header {name!r}: its value {value!r} is not Latin-1 text, which HTTP/1.1 headers cannot carry"
    return None



class Sink(Protocol):
    """Where a 200 answer's body goes: ``feed(bytes, seconds since the exchange's origin)``, per read."""

    def feed(self, data: bytes, now: float) -> None: ...


class Exchange:
    """One request/response on a connection: the HTTP framing state machine."""

    __slots__ = ("parser", "origin", "future", "conn", "status", "head", "chunked", "remaining", "need_crlf",
                 "trailers", "cbuf", "error_body", "keep_alive", "got_bytes", "last_data", "until_close", "retry_after")

    def __init__(self, parser: "Sink", origin: float, future: asyncio.Future,
                 conn: Optional["Connection"] = None) -> None:
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
        self.retry_after: Optional[str] = None
        """The final head's ``Retry-After`` value, if it has one."""

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
            elif name == b"retry-after":
                self.retry_after = value.strip().decode("latin-1")
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
                self.remaining = content_length(lengths)
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


def content_length(values: list[bytes]) -> int:
    """The body length of the ``Content-Length`` values (repeated identical values are one)."""
    values = [v.strip() for v in values]
    bad = [v for v in values if not v.isdigit()]
    if bad:
        raise ValueError(f"Content-Length {bad[0][:40].decode('latin-1')!r} is not a length")
    lengths = {int(v) for v in values}
    if len(lengths) > 1:
        raise ValueError(f"conflicting Content-Length values {sorted(lengths)}")
    return lengths.pop()


class Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: Optional[asyncio.Transport] = None
        self.exchange: Optional[Exchange] = None
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




class Reply(NamedTuple):
    """How an exchange of :meth:`ConnectionPool.post` ended (its 200 body went to the sink)."""

    status: int
    retry_after: Optional[str]
    """The ``Retry-After`` header's value, if any."""
    error_body: bytes
    """The first 2,000 bytes of a non-200 body."""


class ConnectionPool:
    """Keep-alive connections to one ``http://`` URL, for POST requests (the eval client's transport).

    A request's body is given as chunks, written one after another, each straight to the socket when it has room
    (a multi-megabyte image is never joined into one more buffer). At most ``max_connections`` requests are in
    flight; a connection is reused when the answer's framing allows. A reused connection that drops before any
    byte of the answer (the server closed it while idle) is retried once on a new one. Raises ``OSError`` /
    ``ConnectionError`` when the connection fails or the answer is malformed, ``asyncio.TimeoutError`` after
    ``timeout`` seconds in all; a bad header is a ``ValueError`` (what ``aiohttp`` raises for one).
    """

    def __init__(self, url: str, max_connections: int = 256) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"ConnectionPool handles http:// URLs only, not {parts.scheme}://")
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._start = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: identity\r\n"
        self._slots = asyncio.Semaphore(max(1, max_connections))
        self._idle: list[Connection] = []
        self._heads: dict[tuple[tuple[str, str], ...], bytes] = {}

    def _head(self, headers: dict[str, str]) -> bytes:
        """The request head up to its ``Content-Length`` value (cached per header set)."""
        key = tuple(headers.items())
        head = self._heads.get(key)
        if head is None:
            lines = [self._start]
            for name, value in headers.items():
                problem = header_problem(name, value)
                if problem:
                    raise ValueError(problem)
                if name.lower() not in ("host", "content-length", "connection", "transfer-encoding"):
                    lines.append(f"{name}: {value}\r\n")
            head = ("".join(lines) + "Connection: keep-alive\r\nContent-Length: ").encode("latin-1")
            if len(self._heads) < 64:
                self._heads[key] = head
        return head

    async def post(self, chunks: Sequence[bytes], headers: dict[str, str], sink: Sink, timeout: Optional[float],
                   origin: Optional[float] = None) -> Reply:
        """Sends one request; its 200 body goes to ``sink`` (times relative to ``origin``, default now)."""
        head = self._head(headers) + str(sum(len(c) for c in chunks)).encode() + b"\r\n\r\n"
        origin = perf_counter() if origin is None else origin
        async with self._slots:
            if not timeout:
                return await self._post(head, chunks, sink, origin)
            if hasattr(asyncio, "timeout"):  # 3.11+: no task per request
                async with asyncio.timeout(timeout):
                    return await self._post(head, chunks, sink, origin)
            return await asyncio.wait_for(self._post(head, chunks, sink, origin), timeout)

    async def _post(self, head: bytes, chunks: Sequence[bytes], sink: Sink, origin: float) -> Reply:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                reply = await self._exchange(conn, head, chunks, sink, origin, reused=True)
                if reply is not None:
                    return reply
                break  # dropped before answering: once more, on a new connection
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(Connection, self.host, self.port)
        reply = await self._exchange(conn, head, chunks, sink, origin, reused=False)
        assert reply is not None
        return reply

    async def _exchange(self, conn: Connection, head: bytes, chunks: Sequence[bytes], sink: Sink, origin: float,
                        reused: bool) -> Optional[Reply]:
        """The reply; ``None`` when a reused connection dropped before any byte of it."""
        future = asyncio.get_running_loop().create_future()
        ex = Exchange(sink, origin, future, conn)
        conn.exchange = ex
        transport = conn.transport
        assert transport is not None
        done = False
        try:
            transport.write(head)
            for chunk in chunks:
                transport.write(chunk)
            try:
                await future
            except ConnectionResetError:
                if reused and not ex.got_bytes:
                    return None
                raise
            done = True
        finally:
            conn.exchange = None
            if done and ex.keep_alive and not conn.closed:
                self._idle.append(conn)
            else:  # failed, cancelled (a timeout) or not reusable
                conn.closed = True
                transport.close()
        assert ex.status is not None
        return Reply(ex.status, ex.retry_after, bytes(ex.error_body))

    def close(self) -> None:
        for conn in self._idle:
            if conn.transport is not None:
                conn.transport.close()
        self._idle.clear()
