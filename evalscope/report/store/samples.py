"""Fast paging over a benchmark's per-sample files: a byte-offset index per JSONL file, built once and extended
as a running file grows; pages read only their own lines.

A line without its newline at the end of a file is a record still being written (or cut by a kill): it is not
indexed, and is picked up once complete. An unreadable line is skipped with a note naming it.
"""

from __future__ import annotations

import bisect
import json
import math
import mmap
import os
import re
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from evalscope.report.store.models import SampleFile, SamplePage, SampleQuery, SampleRow
from evalscope.report.store.rows import build_row, main_score, searchable

_NAN = float("nan")


@dataclass
class FileIndex:
    """Offsets of the records of one JSONL file, the last record per (sample_id, repeat)."""

    path: Path
    end: int = 0
    mtime_ns: int = 0
    lineno: int = 0
    offsets: array = field(default_factory=lambda: array("q"))
    lengths: array = field(default_factory=lambda: array("q"))
    keys: list = field(default_factory=list)
    position: dict = field(default_factory=dict)
    scores: array = field(default_factory=lambda: array("d"))
    errored: bytearray = field(default_factory=bytearray)
    subsets: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    tail_pending: bool = False

    def refresh(self) -> None:
        """Index what was appended since the last call (all of it the first time)."""
        try:
            stat = self.path.stat()
        except OSError:
            return
        if stat.st_size < self.end:  # rewritten: start over
            self.__init__(self.path)  # type: ignore[misc]
        if stat.st_size == self.end and stat.st_mtime_ns == self.mtime_ns:
            return
        with open(self.path, "rb") as f:
            f.seek(self.end)
            data = f.read(stat.st_size - self.end)
        self.mtime_ns = stat.st_mtime_ns
        start, pos = 0, self.end
        while True:
            nl = data.find(b"\n", start)
            if nl < 0:
                break
            self.lineno += 1
            line = data[start:nl]
            if line.strip():
                self._add(line, pos + start)
            start = nl + 1
        self.end = pos + start
        self.tail_pending = start < len(data)

    def _add(self, line: bytes, offset: int) -> None:
        fields = fast_fields(line)
        if fields is None:
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                self.notes.append(f"{self.path.name}:{self.lineno}: unreadable line skipped ({str(exc)[:80]})")
                return
            repeat = record.get("repeat", 0)
            fields = (str(record.get("sample_id")), repeat if isinstance(repeat, int) else str(repeat),
                      record.get("subset"), main_score(record.get("score")) if "score" in record else None,
                      bool(record.get("error")))
        sample_id, repeat, subset, score, errored = fields
        key = (sample_id, repeat)
        if isinstance(subset, str) and subset not in self.subsets:
            self.subsets[subset] = None
        at = self.position.get(key)
        if at is None:
            at = self.position[key] = len(self.keys)
            self.keys.append(key)
            self.offsets.append(offset)
            self.lengths.append(len(line))
            self.scores.append(_NAN)
            self.errored.append(0)
        else:  # a later record of the same sample (a resumed run re-asked it): the last one counts
            self.offsets[at], self.lengths[at] = offset, len(line)
        self.scores[at] = _NAN if score is None else score
        self.errored[at] = 1 if errored else 0

    def read(self, i: int, mm: Optional[mmap.mmap]) -> Optional[dict[str, Any]]:
        if mm is None:
            return None
        off = self.offsets[i]
        try:
            record = json.loads(mm[off:off + self.lengths[i]])
        except ValueError as exc:  # indexed by its head and tail, broken in between
            return {"sample_id": self.keys[i][0], "error": f"unreadable record in {self.path.name}: {exc}"}
        return record if isinstance(record, dict) else None


_STR = rb'"((?:[^"\\]|\\.)*)"'
_HEAD = re.compile(rb'\{"sample_id":' + _STR + rb',"repeat":(\d+),"subset":' + _STR)
_ERROR = re.compile(rb',"error":(null|' + _STR + rb')(?:,"timestamp":[-+.\deE]+)?\}\s*$')
_SCORE = re.compile(rb'"score":\{(?:' + _STR + rb':(-?[\d.eE+-]+|true|false|null))?')


def _text(raw: bytes) -> str:
    return raw.decode("utf-8") if b"\\" not in raw else json.loads(b'"' + raw + b'"')


def fast_fields(line: bytes) -> Optional[tuple]:
    """(sample_id, repeat, subset, main score, errored) of a record as evalscope writes it (key order fixed by
    its models), without parsing the whole line; ``None`` for any other shape (then the line is parsed)."""
    head = _HEAD.match(line)
    if head is None:
        return None
    at = line.rfind(b',"error":')
    tail = _ERROR.match(line, at) if at > 0 else None
    if tail is None:
        return None
    score: Optional[float] = None
    if b'"score":{' in line:
        found = _SCORE.search(line, head.end())
        if found is None:
            return None
        value = found.group(2)
        if value is not None and value != b"null":
            score = 1.0 if value == b"true" else 0.0 if value == b"false" else float(value)
    try:
        return _text(head.group(1)), int(head.group(2)), _text(head.group(3)), score, tail.group(1) != b"null"
    except ValueError:
        return None


def _open_map(path: Optional[Path]) -> Optional[mmap.mmap]:
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


@dataclass
class _Part:
    """One subset file pair: predictions joined to reviews by (sample_id, repeat)."""

    subset: str
    predictions: Optional[FileIndex]
    reviews: Optional[FileIndex]

    def refresh(self) -> None:
        for index in (self.predictions, self.reviews):
            if index is not None:
                index.refresh()

    @property
    def lead(self) -> FileIndex:
        return self.predictions if self.predictions is not None else self.reviews  # type: ignore[return-value]

    def review_at(self, i: int) -> Optional[int]:
        if self.reviews is None:
            return None
        if self.lead is self.reviews:
            return i
        return self.reviews.position.get(self.lead.keys[i])


class BenchmarkSamples:
    """Every sample of one model on one benchmark (all subsets), with filters and paging."""

    def __init__(self, files: list[SampleFile]) -> None:
        self.parts = [_Part(f.subset, FileIndex(Path(f.predictions)) if f.predictions else None,
                            FileIndex(Path(f.reviews)) if f.reviews else None) for f in files]
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, list[tuple[int, int]]] = OrderedDict()
        self._signature: tuple = ()

    def _refresh(self) -> tuple:
        for part in self.parts:
            part.refresh()
        signature = tuple((p.lead.end, p.reviews.end if p.reviews else 0) for p in self.parts)
        if signature != self._signature:
            self._cache.clear()
            self._signature = signature
        return signature

    def subsets(self) -> list[str]:
        names: dict[str, None] = {}
        for part in self.parts:
            names.update(part.lead.subsets or {part.subset: None})
        return list(names)

    def notes(self) -> list[str]:
        notes = [n for p in self.parts for i in (p.predictions, p.reviews) if i is not None for n in i.notes]
        notes += [f"{i.path.name}: its last line is incomplete (still being written, or cut off by a kill)"
                  for p in self.parts for i in (p.predictions, p.reviews) if i is not None and i.tail_pending]
        return notes

    def _flags(self, part: _Part, i: int) -> tuple[Optional[float], bool]:
        lead_errored = bool(part.lead.errored[i])
        r = part.review_at(i)
        if r is None:
            return None, lead_errored
        value = part.reviews.scores[r]  # type: ignore[union-attr]
        return (None if math.isnan(value) else value), lead_errored or bool(part.reviews.errored[r])  # type: ignore

    def _matches(self, query: SampleQuery) -> list[tuple[int, int]]:
        key = (query.subset, query.status, query.q.casefold())
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        out = []
        for p, part in enumerate(self.parts):
            if query.subset and query.subset != part.subset and query.subset not in part.lead.subsets:
                continue
            for i in range(len(part.lead.keys)):
                if query.status != "all":
                    score, errored = self._flags(part, i)
                    if not _status_ok(query.status, score, errored):
                        continue
                out.append((p, i))
        if query.q:
            out = self._search(out, query.q.casefold())
        self._cache[key] = out
        if len(self._cache) > 32:
            self._cache.popitem(last=False)
        return out

    def _search(self, candidates: list[tuple[int, int]], needle: str) -> list[tuple[int, int]]:
        raw = needle.encode("utf-8") if needle.isascii() and not any(c in needle for c in '"\\') else None
        maps = [(_open_map(p.predictions.path if p.predictions else None),
                 _open_map(p.reviews.path if p.reviews else None)) for p in self.parts]
        try:
            hits = [self._raw_hits(part, pair, raw) for part, pair in zip(self.parts, maps)] if raw else None
            return [(p, i) for p, i in candidates
                    if (hits is None or i in hits[p]) and needle in searchable(self._row(p, i, maps[p]))]
        finally:
            for pair in maps:
                for mm in pair:
                    if mm is not None:
                        mm.close()

    def _raw_hits(self, part: _Part, maps: tuple, raw: bytes) -> set[int]:
        """Rows whose raw lines contain ``raw`` (ASCII, any case): one C-speed scan of each file."""
        hits: set[int] = set()
        for index, mm in ((part.predictions, maps[0]), (part.reviews, maps[1])):
            if index is None or mm is None:
                continue
            rows = _lines_containing(index, mm, raw)
            if index is part.lead:
                hits |= rows
            else:
                hits |= {part.lead.position[index.keys[r]] for r in rows if index.keys[r] in part.lead.position}
        return hits

    def _row(self, p: int, i: int, maps: tuple, index: int = 0) -> SampleRow:
        part = self.parts[p]
        pm, rm = maps
        prediction = part.predictions.read(i, pm) if part.predictions is not None else None
        r = part.review_at(i)
        review = part.reviews.read(r, rm) if (r is not None and part.reviews is not None) else None
        return build_row(index, prediction, review)

    def page(self, query: SampleQuery) -> SamplePage:
        with self._lock:
            self._refresh()
            matches = self._matches(query)
            chosen = matches[query.offset:query.offset + query.limit]
            maps = {p: (_open_map(self.parts[p].predictions.path if self.parts[p].predictions else None),
                        _open_map(self.parts[p].reviews.path if self.parts[p].reviews else None))
                    for p in {p for p, _ in chosen}}
            try:
                rows = [self._row(p, i, maps[p], query.offset + n) for n, (p, i) in enumerate(chosen)]
            finally:
                for pair in maps.values():
                    for mm in pair:
                        if mm is not None:
                            mm.close()
            return SamplePage(total=len(matches), rows=rows, subsets=self.subsets(), notes=self.notes())

    def outcomes(self) -> dict[tuple[str, str, Any], tuple[Optional[float], bool]]:
        """(subset, sample_id, repeat) -> (main score, errored), for comparing runs."""
        with self._lock:
            self._refresh()
            out = {}
            for part in self.parts:
                for i, (sample_id, repeat) in enumerate(part.lead.keys):
                    out[(part.subset, sample_id, repeat)] = self._flags(part, i)
            return out

    def rows_by_key(self, keys: list[tuple[str, str, Any]]) -> dict[tuple[str, str, Any], SampleRow]:
        wanted = set(keys)
        out = {}
        with self._lock:
            for p, part in enumerate(self.parts):
                hits = [(i, k) for i, k in enumerate(part.lead.keys) if (part.subset, *k) in wanted]
                if not hits:
                    continue
                maps = (_open_map(part.predictions.path if part.predictions else None),
                        _open_map(part.reviews.path if part.reviews else None))
                try:
                    for i, k in hits:
                        out[(part.subset, *k)] = self._row(p, i, maps, i)
                finally:
                    for mm in maps:
                        if mm is not None:
                            mm.close()
        return out


def _lines_containing(index: FileIndex, mm: mmap.mmap, raw: bytes) -> set[int]:
    order = sorted(range(len(index.offsets)), key=index.offsets.__getitem__)
    starts = [index.offsets[i] for i in order]
    found: set[int] = set()
    for match in re.finditer(re.escape(raw), mm, re.IGNORECASE):
        k = bisect.bisect_right(starts, match.start()) - 1
        if k >= 0:
            i = order[k]
            if match.start() < index.offsets[i] + index.lengths[i]:
                found.add(i)
    return found


def _status_ok(status: str, score: Optional[float], errored: bool) -> bool:
    if status == "errored":
        return errored
    if status == "unscored":
        return score is None and not errored
    if status == "wrong":
        return score is not None and score < 1
    return score is not None and score >= 1  # right
