"""The mock server's listening socket and connections, stamped with the kernel's receive time.

Why: the mock server's applied TTFT must count from when a request *reached* the server, not from
when the server's busy event loop got round to reading it. At 64 synchronized streams the aiohttp
loop is busy for milliseconds after every token wave, and a loop-side stamp missed all of that
queueing (it showed up as client error). Here every read is a ``recvmsg`` with ``SO_TIMESTAMPNS``
on, so each connection knows when the kernel queued its last bytes (``last_arrival``, on the
``perf_counter`` clock). Writes go straight to the socket (no write batching until the end of the
loop iteration, as uvloop does), so a stamp taken after a write is when the bytes left.

Only the public ``asyncio.Transport`` interface is implemented, on ``add_reader``/``add_writer``, so it
runs on the standard loop and on uvloop. Without ``SO_TIMESTAMPNS`` (not Linux) ``last_arrival`` is
the read time.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import sys
import time
from time import perf_counter
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)

SO_TIMESTAMPNS = 35  # Linux (asm-generic and x86); Python's socket module does not export it
_TIMESPEC = struct.Struct("@qq")
_ANC_SIZE = socket.CMSG_SPACE(_TIMESPEC.size)
_READ_SIZE = 256 * 1024


def kernel_to_perf(kernel_ns: int) -> float:
    """A ``CLOCK_REALTIME`` kernel stamp, moved onto the ``perf_counter`` clock (read together, now)."""
    now_perf, now_wall = perf_counter(), time.time_ns()
    return min(now_perf, now_perf - (now_wall - kernel_ns) / 1e9)


class StampedTransport(asyncio.Transport):
    """One accepted connection; ``last_arrival`` is the kernel receive time of the last read."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol: asyncio.Protocol) -> None:
        super().__init__()
        self._loop, self._sock, self._protocol = loop, sock, protocol
        self._fd = sock.fileno()
        self._buffer = bytearray()
        self._closing = self._reading = self._writing = self._eof = self._paused_protocol = self._gone = False
        self._high, self._low = 64 * 1024, 16 * 1024
        self._extra = {"socket": sock, "peername": _peer(sock), "sockname": sock.getsockname()}
        self.last_arrival: Optional[float] = None
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._stamps = _enable_stamps(sock)
        protocol.connection_made(self)
        self.resume_reading()

    # reading
    def _read_ready(self) -> None:
        try:
            if self._stamps:
                data, anc, _, _ = self._sock.recvmsg(_READ_SIZE, _ANC_SIZE)
            else:
                data, anc = self._sock.recv(_READ_SIZE), ()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fatal(exc)
            return
        if not data:
            self.pause_reading()
            if not self._protocol.eof_received():
                self.close()
            return
        self.last_arrival = _arrival(anc)
        self._protocol.data_received(data)

    def is_reading(self) -> bool:
        return self._reading

    def pause_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self._fd)

    def resume_reading(self) -> None:
        if not self._reading and not self._closing:
            self._reading = True
            self._loop.add_reader(self._fd, self._read_ready)

    # writing
    def write(self, data: Any) -> None:
        if self._closing or self._eof or not data:
            return
        if not self._buffer:
            try:
                sent = self._sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._fatal(exc)
                return
            if sent == len(data):
                return
            data = memoryview(data)[sent:]
            self._writing = True
            self._loop.add_writer(self._fd, self._write_ready)
        self._buffer.extend(data)
        if not self._paused_protocol and len(self._buffer) > self._high:
            self._paused_protocol = True
            self._protocol.pause_writing()

    def writelines(self, list_of_data) -> None:
        self.write(b"".join(list_of_data))

    def _write_ready(self) -> None:
        try:
            sent = self._sock.send(self._buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fatal(exc)
            return
        del self._buffer[:sent]
        if self._paused_protocol and len(self._buffer) <= self._low:
            self._paused_protocol = False
            self._protocol.resume_writing()
        if self._buffer:
            return
        self._writing = False
        self._loop.remove_writer(self._fd)
        if self._closing:
            self._loop.call_soon(self._lost, None)
        elif self._eof:
            self._shutdown_write()

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        if self._closing or self._eof:
            return
        self._eof = True
        if not self._buffer:
            self._shutdown_write()

    def _shutdown_write(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def get_write_buffer_size(self) -> int:
        return len(self._buffer)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._low, self._high

    def set_write_buffer_limits(self, high: Optional[int] = None, low: Optional[int] = None) -> None:
        self._high = 64 * 1024 if high is None else high
        self._low = self._high // 4 if low is None else low

    # closing
    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.pause_reading()
        if not self._buffer:
            self._loop.call_soon(self._lost, None)

    def abort(self) -> None:
        self._fatal(None)

    def _fatal(self, exc: Optional[BaseException]) -> None:
        """Drop what is unsent and close now (``abort``, or a socket error)."""
        self._buffer.clear()
        if self._writing:
            self._writing = False
            self._loop.remove_writer(self._fd)
        self._closing = True
        self.pause_reading()
        self._loop.call_soon(self._lost, exc)

    def _lost(self, exc: Optional[BaseException]) -> None:
        if self._gone:
            return
        self._gone = True
        if self._writing:
            self._writing = False
            self._loop.remove_writer(self._fd)
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._sock.close()

    # the rest of the interface
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # type: ignore[assignment]

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol


class StampedServer:
    """Accepts on ``host:port`` and gives every connection a ``StampedTransport``."""

    def __init__(self, protocol_factory: Callable[[], asyncio.Protocol], host: str, port: int, backlog: int = 4096) -> None:
        self._factory = protocol_factory
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=backlog)
        self._sock.setblocking(False)
        # on the listener too: the kernel then stamps bytes that arrive before accept() (inherited)
        _enable_stamps(self._sock)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self.port: int = self._sock.getsockname()[1]

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._sock.fileno(), self._accept)

    def _accept(self) -> None:
        for _ in range(64):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: keep serving the others, retry in a second
                logger.warning("mock server: accept failed (%s); accepting again in 1 s", exc)
                loop = self._loop
                fd = self._sock.fileno()
                loop.remove_reader(fd)  # the listener stays readable: without a pause this would spin
                loop.call_later(1.0, self._resume_accepting, fd)
                return
            try:
                StampedTransport(self._loop, conn, self._factory())  # type: ignore[arg-type]
            except Exception:
                logger.exception("mock server: could not set up a connection")
                conn.close()

    def _resume_accepting(self, fd: int) -> None:
        if self._sock.fileno() == fd:  # not closed meanwhile
            self._loop.add_reader(fd, self._accept)

    def close(self) -> None:
        if self._loop is not None and self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
        self._sock.close()


def kernel_stamps_supported() -> bool:
    return sys.platform.startswith("linux")


def _enable_stamps(sock: socket.socket) -> bool:
    if not kernel_stamps_supported():
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


def _arrival(anc) -> float:
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
            sec, nsec = _TIMESPEC.unpack_from(payload)
            return kernel_to_perf(sec * 1_000_000_000 + nsec)
    return perf_counter()


def _peer(sock: socket.socket):
    try:
        return sock.getpeername()
    except OSError:
        return None
