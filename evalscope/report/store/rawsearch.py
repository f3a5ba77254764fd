"""Which lines of a JSONL file can hold a search needle: one C-speed pass over the raw bytes (lowered chunk by
chunk, then ``bytes.find``), so that only those lines are parsed and checked.

It applies to ASCII needles free of the characters a JSON writer may escape (quotes, backslash, ``/``, ``<``,
``>``, ``&``, ``'``, control characters): such a needle found in a decoded text is found in its raw line too.
Case-insensitive search folds case (``str.casefold``); the few non-ASCII characters whose folding gives ASCII
letters (``ß`` -> ``ss``, the Kelvin sign, the ``ﬁ`` ligatures...) make their lines candidates as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

CHUNK_BYTES = 1 << 20
FOLDS_TO_ASCII = "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a" \
                 "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
"""Every non-ASCII character whose ``casefold()`` holds an ASCII character (tests recompute the list)."""
_FOLD_PATTERNS = [c.encode("utf-8").lower() for c in FOLDS_TO_ASCII] + \
                 [f"\\u{ord(c):04x}".encode() for c in FOLDS_TO_ASCII]
_UNSAFE = set('"\\/<>&\'')


def raw_needle(needle: str) -> Optional[bytes]:
    """The lowered bytes to look for, or ``None`` when the raw pass cannot decide for this needle."""
    if not needle or not needle.isascii() or any(c in _UNSAFE or not c.isprintable() for c in needle):
        return None
    return needle.casefold().encode("ascii")


def _line_starts(chunk: bytes, pattern: bytes, base: int, out: set[int]) -> None:
    pos = chunk.find(pattern)
    while pos >= 0:
        out.add(base + chunk.rfind(b"\n", 0, pos) + 1)
        nl = chunk.find(b"\n", pos)
        if nl < 0:
            return
        pos = chunk.find(pattern, nl + 1)


def _every_line(data: bytes, last: int, base: int) -> list[int]:
    starts, pos = [], 0
    while pos <= last:
        nl = data.find(b"\n", pos)
        if nl > pos and (data[pos] == 0x7B or not data[pos:nl].isspace()):
            starts.append(base + pos)
        pos = nl + 1
    return starts


class RawHits:
    """Start offsets of the lines of one file that contain the needle (any ASCII case), as far as scanned;
    with ``needle=None``, of every line (for a needle the raw pass cannot decide)."""

    def __init__(self, path: Path, needle: Optional[bytes]) -> None:
        self.path, self.needle = path, needle
        self.end = 0
        self.hits: list[int] = []  # ascending

    def scan(self, size: int, max_bytes: Optional[int] = None) -> bool:
        """Look at the next whole lines up to ``size``; ``False`` when there was nothing left to look at."""
        if self.end >= size:
            return False
        max_bytes = max_bytes or CHUNK_BYTES
        with open(self.path, "rb") as f:
            f.seek(self.end)
            data = f.read(min(max_bytes, size - self.end))
            while b"\n" not in data and self.end + len(data) < size:
                more = f.read(max_bytes)
                if not more:
                    break
                data += more
        last = data.rfind(b"\n")
        if last < 0:
            return False  # a last line still being written
        if self.needle is None:
            self.hits.extend(_every_line(data, last, self.end))
            self.end += last + 1
            return True
        chunk = data[:last + 1].lower()
        found: set[int] = set()
        _line_starts(chunk, self.needle, self.end, found)
        if not chunk.isascii() or b"\\u" in chunk:
            for pattern in _FOLD_PATTERNS:
                _line_starts(chunk, pattern, self.end, found)
        self.hits.extend(sorted(found))
        self.end += last + 1
        return True
