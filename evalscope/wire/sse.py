"""Server-sent events: a pure incremental decoder (bytes in, events out).

``SSEDecoder.feed(chunk)`` accepts arbitrary byte splits (an event or a multi-byte UTF-8
character may straddle reads) and returns the events completed by that chunk. Lines are split
on ``\\n``, ``\\r\\n`` or ``\\r``; ``data:`` lines of one event are joined with ``\\n``; comment
lines (``:``) are ignored. ``finish()`` returns an event left without its blank line at the end of
the stream (servers that close without a trailing blank line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

_BOM = b"\xef\xbb\xbf"


@dataclass
class SSEEvent:
    """One event: its ``data`` (joined lines), and ``event``/``id`` when the server sent them."""

    data: str
    event: str | None = None
    id: str | None = None

    @property
    def is_done(self) -> bool:
        """The OpenAI end-of-stream marker ``data: [DONE]``."""
        return self.data.strip() == "[DONE]"


@dataclass
class SSEDecoder:
    _buffer: bytearray = field(default_factory=bytearray)
    _data: list[str] = field(default_factory=list)
    _event: str | None = None
    _id: str | None = None
    _pending_cr: bool = False
    _started: bool = False

    def _lines(self, chunk: bytes) -> list[bytes]:
        """The complete lines of ``chunk`` (plus what was buffered); keeps the incomplete tail.

        Lines are cut with ``bytes.split`` (C speed); only data holding a ``\\r`` takes the slower
        path that also accepts ``\\r\\n`` and bare ``\\r`` line ends. A read that ends no line only
        grows the buffer (a huge event costs one copy per line, not one per read).
        """
        if not self._started:
            self._started = True
            if chunk[:3] == _BOM:  # the stream may start with a UTF-8 byte order mark: ignored
                chunk = chunk[3:]
        if self._buffer and b"\n" not in chunk and b"\r" not in chunk:
            self._buffer.extend(chunk)
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":  # the \n of a \r\n pair split across reads
                chunk = chunk[1:]
        if not chunk:
            return []
        if self._buffer:
            self._buffer.extend(chunk)
            data = bytes(self._buffer)
            self._buffer.clear()
        else:
            data = chunk
        if b"\r" in data:
            if data.endswith(b"\r"):
                self._pending_cr = True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        tail = lines.pop()
        if tail:
            self._buffer.extend(tail)
        return lines

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode ``chunk``; returns the events it completed, in order."""
        events: list[SSEEvent] = []
        for raw in self._lines(chunk):
            if raw.startswith(b"data:"):  # the hot path: one data line
                value = raw[6:] if raw[5:6] == b" " else raw[5:]
                self._data.append(value.decode("utf-8", errors="replace"))
                continue
            event = self._line(raw.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        return events

    def feed_data(self, chunk: bytes) -> list[str]:
        """Like ``feed`` but returns only each completed event's ``data`` (the fast path of perf clients)."""
        out: list[str] = []
        pending = self._data
        for raw in self._lines(chunk):
            if raw.startswith(b"data:"):
                value = raw[6:] if raw[5:6] == b" " else raw[5:]
                pending.append(value.decode("utf-8", errors="replace"))
            elif not raw:
                if pending:
                    out.append(pending[0] if len(pending) == 1 else "\n".join(pending))
                    pending.clear()
                self._event = None
            else:
                self._line(raw.decode("utf-8", errors="replace"))
        return out

    def finish(self) -> list[SSEEvent]:
        """End of stream: flush a last line and a last event that had no blank line after it."""
        events: list[SSEEvent] = []
        if self._buffer:
            line = bytes(self._buffer).decode("utf-8", errors="replace")
            self._buffer.clear()
            event = self._line(line)
            if event is not None:
                events.append(event)
        event = self._dispatch()
        if event is not None:
            events.append(event)
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data:
            self._event = None
            return None
        event = SSEEvent(data="\n".join(self._data), event=self._event, id=self._id)
        self._data, self._event = [], None
        return event
