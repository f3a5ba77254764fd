"""The one display object that shows progress and results; library code never prints.

``TerminalDisplay`` draws a progress bar per benchmark on stderr (redrawn in place on a tty,
a line every 10% otherwise) and the score table on stdout. ``NullDisplay`` shows nothing
(library use, tests).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Iterable, Protocol

if TYPE_CHECKING:
    from evalscope.report import Report


class Progress(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class Display(Protocol):
    def progress(self, label: str, total: int) -> Progress: ...

    def message(self, text: str) -> None: ...

    def results(self, reports: Iterable["Report"]) -> None: ...


class _NullProgress:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class NullDisplay:
    """Shows nothing."""

    def progress(self, label: str, total: int) -> Progress:
        return _NullProgress()

    def message(self, text: str) -> None:
        pass

    def results(self, reports: Iterable["Report"]) -> None:
        pass


class _BarProgress:
    WIDTH = 30

    def __init__(self, label: str, total: int, stream: IO[str]) -> None:
        self.label, self.total, self.stream = label, max(total, 0), stream
        self.done = 0
        self.started = time.monotonic()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_decile = -1
        self._last_draw = 0.0
        self._lock = threading.Lock()
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            self._draw()

    def close(self) -> None:
        with self._lock:
            self._draw(force=True, final=True)

    def _line(self) -> str:
        frac = self.done / self.total if self.total else 1.0
        filled = int(frac * self.WIDTH)
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return f"{self.label}: [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {rate:6.1f}/s"

    def _draw(self, force: bool = False, final: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            if force or now - self._last_draw > 0.1:
                self._last_draw = now
                self.stream.write("\r" + self._line() + ("\n" if final else ""))
                self.stream.flush()
            return
        # not a terminal: one line per 10% step, and the final state once
        decile = int(10 * self.done / self.total) if self.total else 10
        if (self.done > 0 and decile != self._last_decile) or (final and self._last_decile != 10):
            self._last_decile = 10 if final else decile
            self.stream.write(self._line() + "\n")
            self.stream.flush()


class TerminalDisplay:
    """Progress on stderr, messages on stderr, the score table on stdout."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def progress(self, label: str, total: int) -> Progress:
        return _BarProgress(label, total, self.err)

    def message(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def results(self, reports: Iterable["Report"]) -> None:
        from evalscope.report.table import score_table

        self.out.write(score_table(reports) + "\n")
        self.out.flush()
