"""Server-sent events: a pure incremental decoder (bytes in, events out).

``SSEDecoder.feed(chunk)`` accepts arbitrary byte splits (an event or a multi-byte UTF-8
character may straddle reads) and returns the events completed by that chunk. Lines are split
on ``\\n``, ``\\r\\n`` or ``\\r``; ``data:`` lines of one event are joined with ``\\n``; comment
lines (``:``) are ignored. ``finish()`` returns an event left without its blank line at the end of
the stream (servers that close without a trailing blank line).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode ``chunk``; returns the events it completed, in order."""
        events: list[SSEEvent] = []
        buf = self._buffer
        buf.extend(chunk)
        start = 0
        n = len(buf)
        i = 0
        while i < n:
            b = buf[i]
            if b == 0x0A or b == 0x0D:
                if b == 0x0A and self._pending_cr and i == start:
                    # the \n of a \r\n pair whose \r ended the previous line
                    self._pending_cr = False
                    start = i = i + 1
                    continue
                self._pending_cr = b == 0x0D
                line = bytes(buf[start:i]).decode("utf-8", errors="replace")
                event = self._line(line)
                if event is not None:
                    events.append(event)
                start = i + 1
                if b == 0x0D and i + 1 < n and buf[i + 1] == 0x0A:
                    start = i + 2
                    self._pending_cr = False
                    i += 1
            elif self._pending_cr:
                self._pending_cr = False
            i += 1
        del buf[:start]
        return events

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
