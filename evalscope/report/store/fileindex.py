"""A byte-offset index of one JSONL file of per-sample records, built a chunk at a time.

Each record's key, main score, error flag and subset are read from its head and tail as evalscope writes them
(any other shape is parsed in full). The last record per (sample_id, repeat) counts. A line without its newline
at the end of the file is a record still being written (or cut by a kill): it is indexed once complete. An
unreadable line is skipped with a note naming it.
"""

from __future__ import annotations

import json
import re
from array import array
from pathlib import Path
from typing import Any, Optional

from evalscope.report.store.rows import main_score

_NAN = float("nan")
CHUNK_BYTES = 256 << 10
"""Bytes read per scan step (a step holds the samples lock: 5-20 ms of work here)."""

_STR = rb'"((?:[^"\\]|\\.)*)"'
_HEAD = re.compile(rb'\{"sample_id":' + _STR + rb',"repeat":(\d+),"subset":' + _STR)
_ERROR = re.compile(rb',"error":(null|' + _STR + rb')(?:,"timestamp":[-+.\deE]+)?\}\s*')
_SCORE = re.compile(rb'"score":\{(?:' + _STR + rb':(-?[\d.eE+-]+|true|false|null))?')


def _text(raw: bytes) -> str:
    return raw.decode("utf-8") if b"\\" not in raw else json.loads(b'"' + raw + b'"')


def fields_at(buf: Any, start: int, end: int) -> Optional[tuple]:
    """(sample_id, repeat, subset, main score, errored) of the record in ``buf[start:end]`` as evalscope writes
    it (key order fixed by its models), without parsing the whole line; ``None`` for any other shape."""
    head = _HEAD.match(buf, start, end)
    if head is None:
        return None
    at = buf.rfind(b',"error":', head.end(), end)
    tail = _ERROR.fullmatch(buf, at, end) if at > 0 else None
    if tail is None:
        return None
    score: Optional[float] = None
    found_at = buf.find(b'"score":{', head.end(), end)
    if found_at >= 0:
        found = _SCORE.match(buf, found_at, end)
        if found is None:
            return None
        value = found.group(2)
        if value is not None and value != b"null":
            score = 1.0 if value == b"true" else 0.0 if value == b"false" else float(value)
    try:
        return _text(head.group(1)), int(head.group(2)), _text(head.group(3)), score, tail.group(1) != b"null"
    except ValueError:
        return None


def fast_fields(line: bytes) -> Optional[tuple]:
    """:func:`fields_at` of one line."""
    return fields_at(line, 0, len(line))


def full_fields(line: bytes) -> tuple:
    """The same fields from a full parse (``ValueError`` when the line is not a JSON object)."""
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("not an object")
    repeat = record.get("repeat", 0)
    return (str(record.get("sample_id")), repeat if isinstance(repeat, int) else str(repeat), record.get("subset"),
            main_score(record.get("score")) if "score" in record else None, bool(record.get("error")))


class FileIndex:
    """Offsets of the records of one JSONL file, the last record per (sample_id, repeat); extended by
    :meth:`scan` as far as the file has been read, and further when it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reset()

    def reset(self) -> None:
        self.end = 0  # bytes indexed (whole lines)
        self.size = 0  # file size at the last look
        self.mtime_ns = 0
        self.lineno = 0
        self.offsets, self.lengths, self.scores = array("q"), array("q"), array("d")
        self.errored = bytearray()
        self.subset_ids = array("H")
        self.keys: list[tuple[str, Any]] = []
        self.position: dict[tuple[str, Any], int] = {}
        self.subsets: dict[str, int] = {}
        self.notes: list[str] = []
        self.tail_pending = False
        self.rewrites = 0  # rows whose record was replaced by a later one (offsets no longer sorted)
        self.generation = 0  # bumped when the file was rewritten and the index started over
        self._by_offset: Optional[tuple[tuple, dict[int, int]]] = None
        self._settled: tuple[int, int] = (-1, -1)  # (size, mtime) when a scan last reached the end

    # --- reading -------------------------------------------------------------------------------------------
    def look(self) -> bool:
        """Stat the file; ``True`` when it has bytes not indexed yet. A file that shrank starts over."""
        try:
            stat = self.path.stat()
        except OSError:
            return False
        if stat.st_size < self.end:
            generation = self.generation
            self.reset()
            self.generation = generation + 1
        if stat.st_size != self.size or stat.st_mtime_ns != self.mtime_ns:
            self.size, self.mtime_ns = stat.st_size, stat.st_mtime_ns
        return self.remaining > 0

    @property
    def remaining(self) -> int:
        """Unindexed bytes; 0 when only a last line without its newline is left and the file has not changed."""
        return 0 if (self.size, self.mtime_ns) == self._settled else self.size - self.end

    @property
    def fraction(self) -> float:
        return 1.0 if self.size == 0 else self.end / self.size

    def scan(self, max_bytes: int = CHUNK_BYTES) -> list[int]:
        """Index the next whole lines (about ``max_bytes``); returns the rows added or replaced."""
        if self.remaining <= 0:
            return []
        want = max(1, min(max_bytes, self.size - self.end))
        with open(self.path, "rb") as f:
            f.seek(self.end)
            data = f.read(want)
            while b"\n" not in data and self.end + len(data) < self.size:  # a line longer than a chunk
                more = f.read(max_bytes)
                if not more:
                    break
                data += more
        last = data.rfind(b"\n")
        touched = self._lines(data, last)
        self.end += last + 1
        at_eof = self.end + (len(data) - last - 1) >= self.size
        self.tail_pending = at_eof and self.end < self.size
        if at_eof:
            self._settled = (self.size, self.mtime_ns)
        return touched

    def _lines(self, data: bytes, last: int) -> list[int]:
        """Index the lines of ``data[:last + 1]``. The common shape (evalscope's records) is read here in one
        loop, :func:`fields_at` unrolled (this runs once per line of every file); any other line goes to
        :meth:`_add`."""
        touched: list[int] = []
        find, rfind, head, tail, score_at = data.find, data.rfind, _HEAD.match, _ERROR.fullmatch, _SCORE.match
        position, keys, offsets, lengths = self.position, self.keys, self.offsets, self.lengths
        scores, errored, subset_ids, subsets = self.scores, self.errored, self.subset_ids, self.subsets
        base, start, last_subset, last_sid = self.end, 0, None, 0
        while start <= last:
            nl = find(b"\n", start)
            self.lineno += 1
            if nl == start:
                start = nl + 1
                continue
            h = head(data, start, nl)
            t = None
            if h is not None:
                hend = h.end()
                at = rfind(b',"error":', hend, nl)
                t = tail(data, at, nl) if at > 0 else None
                found = find(b'"score":{', hend, nl) if t is not None else -1
                m = score_at(data, found, nl) if found >= 0 else None
            if t is None or (found >= 0 and m is None):
                if data[start] == 0x7B or not data[start:nl].isspace():
                    row = self._add(data, start, nl, base + start)
                    if row is not None:
                        touched.append(row)
                start = nl + 1
                continue
            raw_id, raw_repeat, raw_subset = h.groups()
            try:
                key = (raw_id.decode() if b"\\" not in raw_id else _text(raw_id), int(raw_repeat))
                if raw_subset != last_subset:
                    name = raw_subset.decode() if b"\\" not in raw_subset else _text(raw_subset)
                    last_sid = subsets.get(name)
                    if last_sid is None:
                        last_sid = subsets[name] = len(subsets)
                    last_subset = raw_subset
                value = m.group(2) if found >= 0 else None
                score = _NAN if value is None or value == b"null" else 1.0 if value == b"true" else \
                    0.0 if value == b"false" else float(value)
            except ValueError:
                row = self._add(data, start, nl, base + start)
                if row is not None:
                    touched.append(row)
                start = nl + 1
                continue
            row = position.get(key)
            if row is None:
                row = position[key] = len(keys)
                keys.append(key)
                offsets.append(base + start)
                lengths.append(nl - start)
                scores.append(score)
                errored.append(t.group(1) != b"null")
                subset_ids.append(last_sid)
            else:  # a later record of the same sample (a resumed run re-asked it): the last one counts
                offsets[row], lengths[row], subset_ids[row] = base + start, nl - start, last_sid
                scores[row], errored[row] = score, t.group(1) != b"null"
                self.rewrites += 1
            touched.append(row)
            start = nl + 1
        return touched

    def _add(self, buf: bytes, start: int, end: int, offset: int) -> Optional[int]:
        fields = fields_at(buf, start, end)
        if fields is None:
            try:
                fields = full_fields(buf[start:end])
            except ValueError as exc:
                self.notes.append(f"{self.path.name}:{self.lineno}: unreadable line skipped ({str(exc)[:80]})")
                return None
        sample_id, repeat, subset, score, errored = fields
        key = (sample_id, repeat)
        name = subset if isinstance(subset, str) else ""
        sid = self.subsets.get(name)
        if sid is None:
            sid = self.subsets[name] = len(self.subsets)
        at = self.position.get(key)
        if at is None:
            at = self.position[key] = len(self.keys)
            self.keys.append(key)
            self.offsets.append(offset)
            self.lengths.append(end - start)
            self.scores.append(_NAN)
            self.errored.append(0)
            self.subset_ids.append(sid)
        else:  # a later record of the same sample (a resumed run re-asked it): the last one counts
            self.offsets[at], self.lengths[at], self.subset_ids[at] = offset, end - start, sid
            self.rewrites += 1
        self.scores[at] = _NAN if score is None else score
        self.errored[at] = 1 if errored else 0
        return at

    def row_at(self, offset: int) -> Optional[int]:
        """The row whose current record starts at ``offset`` (``None``: no row, e.g. a replaced record)."""
        if not self.rewrites:  # offsets ascend with the rows
            import bisect

            i = bisect.bisect_left(self.offsets, offset)
            return i if i < len(self.offsets) and self.offsets[i] == offset else None
        version = (self.generation, self.end, self.rewrites)
        if self._by_offset is None or self._by_offset[0] != version:
            self._by_offset = (version, {o: i for i, o in enumerate(self.offsets)})
        return self._by_offset[1].get(offset)

    def read(self, i: int, mm: Any) -> Optional[dict[str, Any]]:
        if mm is None:
            return None
        off = self.offsets[i]
        try:
            record = json.loads(mm[off:off + self.lengths[i]])
        except ValueError as exc:  # indexed by its head and tail, broken in between
            return {"sample_id": self.keys[i][0], "error": f"unreadable record in {self.path.name}: {exc}"}
        return record if isinstance(record, dict) else None
