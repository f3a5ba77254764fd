"""Paging over a benchmark's per-sample files that answers at once, even while they are being indexed.

Each JSONL file gets a byte-offset index (``fileindex``) built a chunk at a time by a background thread, the
predictions and the reviews in step; a page is answered from what is indexed so far and says so (``complete``
false, ``scanned`` the fraction read) instead of giving a wrong total. Every indexed row carries a status code
(right, wrong, unscored, no review yet; errored), so the filters are byte lookups; a row whose review is not
indexed yet is left out of the filters that depend on it until it is. Full-text search (``search``) runs the same
way. Small files (a few MB) are indexed in the request itself: their pages are always complete.
"""

from __future__ import annotations

import math
import mmap
import os
import threading
import time
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional, Sequence

from evalscope.report.store.fileindex import CHUNK_BYTES, FileIndex, fast_fields
from evalscope.report.store.models import SampleFile, SamplePage, SampleQuery, SampleRow
from evalscope.report.store.rows import build_row
from evalscope.report.store.search import Search

__all__ = ["BenchmarkSamples", "fast_fields"]

NO_REVIEW, RIGHT, WRONG, UNSCORED, ERRORED = 0, 1, 2, 3, 8
INLINE_BYTES = 4 << 20
"""With this little left to read, a request indexes (and searches) itself instead of waiting for the thread."""
MAX_SEARCHES = 8
NO, YES, UNDECIDED = 0, 1, 2


def _decide(status: str, code: int, reviews_done: bool) -> int:
    state, errored = code & 7, bool(code & ERRORED)
    if status == "all":
        return YES
    waiting = state == NO_REVIEW and not reviews_done
    if status == "errored":
        return YES if errored else UNDECIDED if waiting else NO
    if status == "unscored":
        return NO if errored else YES if state == UNSCORED or (state == NO_REVIEW and reviews_done) else \
            UNDECIDED if waiting else NO
    wanted = WRONG if status == "wrong" else RIGHT
    return YES if state == wanted else UNDECIDED if waiting else NO


_TABLES = {(s, done): bytes(_decide(s, c, done) for c in range(16))
           for s in ("all", "wrong", "right", "errored", "unscored") for done in (False, True)}


def _open_map(index: Optional[FileIndex]) -> Optional[mmap.mmap]:
    if index is None:
        return None
    try:
        with open(index.path, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


class _Maps:
    """The memory maps of the parts a page reads, closed together."""

    def __init__(self, parts: list[Any], wanted: Sequence[int]) -> None:
        self.maps = {p: (_open_map(parts[p].predictions), _open_map(parts[p].reviews)) for p in set(wanted)}

    def __getitem__(self, p: int) -> tuple:
        return self.maps[p]

    def __enter__(self) -> "_Maps":
        return self

    def __exit__(self, *exc: Any) -> None:
        for pair in self.maps.values():
            for mm in pair:
                if mm is not None:
                    mm.close()


class _FairLock:
    """A lock whose holder can see that someone waits (the indexing thread steps aside between chunks)."""

    def __init__(self) -> None:
        self._lock, self._count = threading.Lock(), threading.Lock()
        self.waiters = 0

    def __enter__(self) -> None:
        with self._count:
            self.waiters += 1
        self._lock.acquire()
        with self._count:
            self.waiters -= 1

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()


class _Part:
    """One subset file pair: predictions joined to reviews by (sample_id, repeat), a status code per row."""

    def __init__(self, file: SampleFile) -> None:
        self.subset = file.subset
        self.predictions = FileIndex(Path(file.predictions)) if file.predictions else None
        self.reviews = FileIndex(Path(file.reviews)) if file.reviews else None
        self.lead: FileIndex = self.predictions or self.reviews  # type: ignore[assignment]
        self.files = [ix for ix in (self.predictions, self.reviews) if ix is not None]
        self._rejoin()

    def _rejoin(self) -> None:
        self.joined, self.codes = array("q"), bytearray()
        self.generations = tuple(ix.generation for ix in self.files)
        self._update(self.lead, range(len(self.lead.keys)))
        if self.reviews is not None and self.reviews is not self.lead:
            self._update(self.reviews, range(len(self.reviews.keys)))

    def look(self) -> int:
        """Stat the files; the bytes left to index."""
        for ix in self.files:
            ix.look()
        if tuple(ix.generation for ix in self.files) != self.generations:
            self._rejoin()
        return self.remaining

    @property
    def remaining(self) -> int:
        return sum(ix.remaining for ix in self.files)

    @property
    def reviews_done(self) -> bool:
        return self.reviews is None or self.reviews.remaining == 0

    def step(self, max_bytes: int) -> bool:
        """Index the next chunk of whichever file is behind (the two advance together); ``False``: all read."""
        todo = [ix for ix in self.files if ix.remaining > 0]
        if not todo:
            return False
        ix = min(todo, key=lambda x: x.fraction)
        self._update(ix, ix.scan(max_bytes))
        return True

    def _update(self, ix: FileIndex, rows: Sequence[int]) -> None:
        lead, rev = self.lead, self.reviews
        if ix is lead:
            for i in rows:
                if i == len(self.codes):
                    self.codes.append(0)
                    self.joined.append(-1)
                r = i if rev is lead else rev.position.get(lead.keys[i], -1) if rev is not None else -1
                self.joined[i] = r
                self.codes[i] = self._code(i, r)
        elif rev is not None:
            position = lead.position
            for r in rows:
                i = position.get(rev.keys[r])
                if i is not None:
                    self.joined[i] = r
                    self.codes[i] = self._code(i, r)

    def _code(self, i: int, r: int) -> int:
        errored = self.lead.errored[i]
        if r < 0 or self.reviews is None:
            return ERRORED if errored else NO_REVIEW
        errored = errored or self.reviews.errored[r]
        score = self.reviews.scores[r]
        state = UNSCORED if math.isnan(score) else RIGHT if score >= 1 else WRONG
        return state | (ERRORED if errored else 0)

    def subset_rows(self, subset: Optional[str]) -> Optional[Sequence[int]]:
        n = len(self.lead.keys)
        if not subset or subset == self.subset:
            return range(n)
        sid = self.lead.subsets.get(subset)
        if sid is None:
            return None
        ids = self.lead.subset_ids
        return [i for i in range(n) if ids[i] == sid]

    def status_rows(self, status: str, base: Sequence[int]) -> tuple[Sequence[int], bool]:
        """Rows of ``base`` with that status, and whether some rows cannot be told yet."""
        if status == "all":
            return base, False
        table, codes = _TABLES[(status, self.reviews_done)], self.codes
        undecided = any(table[c] == UNDECIDED and codes.count(c) for c in range(16))
        if isinstance(base, range):
            return [i for i, c in enumerate(codes) if table[c] == YES], undecided
        return [i for i in base if table[codes[i]] == YES], undecided


class BenchmarkSamples:
    """Every sample of one model on one benchmark (all subsets), with filters and paging.

    ``background``: index big files in a thread and answer pages from what is indexed (``False``: nothing is
    indexed but by :meth:`work`, for tests). A page waits up to ``wait`` seconds for the index to complete,
    ``page_wait`` when it already has a full page."""

    def __init__(self, files: list[SampleFile], background: bool = True, wait: float = 0.3,
                 page_wait: float = 0.05) -> None:
        self.parts = [_Part(f) for f in files]
        self.background, self.wait, self.page_wait = background, wait, page_wait
        self._lock = _FairLock()
        self._worker: Optional[threading.Thread] = None
        self._searches: OrderedDict[str, Search] = OrderedDict()
        self._final: OrderedDict[tuple, tuple[tuple, list]] = OrderedDict()
        self._wake = False  # set when a search is asked for: the thread must not stop before looking at it

    # --- indexing -------------------------------------------------------------------------------------------
    def _index_step(self, max_bytes: int = CHUNK_BYTES) -> bool:
        return any(part.step(max_bytes) for part in self.parts)  # any() stops at the first part with work

    def _search_step(self, search: Search) -> bool:
        for p, part in enumerate(self.parts):
            with _Maps(self.parts, [p]) as maps:
                if search.step(p, part, maps[p]):
                    return True
        return False

    def work(self, max_bytes: int = CHUNK_BYTES) -> bool:
        """One step: a chunk of the index, then of the latest searches; ``False`` when nothing was left."""
        with self._lock:
            did = self._index_step(max_bytes)
            if not did and sum(part.look() for part in self.parts):  # the files grew (or were not looked at)
                did = self._index_step(max_bytes)
            for search in reversed(self._searches.values()):  # the latest search first
                if self._search_step(search):
                    did = True
                    break
            return did

    def _run(self) -> None:
        while True:
            self._wake = False
            did = self.work()
            # let the server run between steps: a request waiting for the lock (a Lock is not fair), and the
            # event loop and the threads serving other files, which otherwise get the GIL only every 5 ms
            time.sleep(0.005 if self._lock.waiters else 0.002)
            if not did:
                with self._lock:  # a search asked for since this step started keeps the thread going
                    if not any(part.look() for part in self.parts) and not self._wake:
                        self._worker = None
                        return

    def _kick(self, search: Optional[Search]) -> None:
        """Look at the files; index (and search) small ones here, start the thread for big ones."""
        with self._lock:
            remaining = sum(part.look() for part in self.parts)
            if not self.background:
                return
            if remaining <= INLINE_BYTES:
                while self._index_step():
                    pass
                if search is None:
                    return
                if sum(ix.size for part in self.parts for ix in part.files) <= INLINE_BYTES:
                    while self._search_step(search):
                        pass
                    return
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="evalscope-samples-index", daemon=True)
                self._worker.start()

    def finish(self) -> None:
        """Index everything now (for callers that need every row, e.g. comparing runs)."""
        with self._lock:
            for part in self.parts:
                part.look()
            while self._index_step(16 * CHUNK_BYTES):
                pass

    @property
    def indexed(self) -> bool:
        return all(part.remaining == 0 for part in self.parts)

    def scanned(self) -> float:
        total = sum(ix.size for part in self.parts for ix in part.files)
        return 1.0 if total == 0 else min(1.0, sum(ix.end for part in self.parts for ix in part.files) / total)

    # --- queries --------------------------------------------------------------------------------------------
    def _search(self, q: str) -> Optional[Search]:
        if not q:
            return None
        with self._lock:
            search = self._searches.get(q.casefold())
            if search is None:
                search = self._searches[q.casefold()] = Search(q)
                if len(self._searches) > MAX_SEARCHES:
                    self._searches.popitem(last=False)
            self._searches.move_to_end(q.casefold())
            self._wake = True
            return search

    def _matches(self, query: SampleQuery, search: Optional[Search]) -> tuple[list[tuple[int, Sequence[int]]], bool]:
        """(part, rows) in order, and whether that is final (every file indexed, every row decided)."""
        key = (query.subset, query.status, query.q.casefold())
        signature = tuple((ix.generation, ix.end, ix.rewrites) for part in self.parts for ix in part.files)
        cached = self._final.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1], True
        final, out = self.indexed, []
        for p, part in enumerate(self.parts):
            base = part.subset_rows(query.subset)
            if base is None:
                continue
            rows, undecided = part.status_rows(query.status, base)
            final = final and not undecided
            if search is not None:
                rows, decided = self._searched(search, p, part, rows)
                final = final and decided
            out.append((p, rows))
        if final:  # kept compact: 8 bytes a row
            out = [(p, rows if isinstance(rows, range) else array("q", rows)) for p, rows in out]
            self._final[key] = (signature, out)
            if len(self._final) > 32:
                self._final.popitem(last=False)
        return out, final

    @staticmethod
    def _searched(search: Search, p: int, part: _Part, rows: Sequence[int]) -> tuple[list[int], bool]:
        matched, decided = search.rows(p, part)
        allowed = rows if isinstance(rows, range) else set(rows)
        return sorted(i for i in matched if i in allowed), decided

    def _row(self, p: int, i: int, maps: tuple, index: int = 0) -> SampleRow:
        part = self.parts[p]
        prediction = part.predictions.read(i, maps[0]) if part.predictions is not None else None
        r = part.joined[i]
        review = part.reviews.read(r, maps[1]) if (r >= 0 and part.reviews is not None) else None
        row = build_row(index, prediction, review)
        if r < 0 and not part.reviews_done:
            row.pending = True
        return row

    def subsets(self) -> list[str]:
        names: dict[str, None] = {}
        for part in self.parts:
            names.update(dict.fromkeys(n for n in part.lead.subsets if n) or {part.subset: None})
        return list(names)

    def notes(self) -> list[str]:
        notes = [n for p in self.parts for ix in p.files for n in ix.notes]
        notes += [f"{ix.path.name}: its last line is incomplete (still being written, or cut off by a kill)"
                  for p in self.parts for ix in p.files if ix.tail_pending]
        return notes

    def _page_now(self, query: SampleQuery, search: Optional[Search]) -> SamplePage:
        with self._lock:
            matches, final = self._matches(query, search)
            chosen, skip = [], query.offset
            for p, rows in matches:
                if skip >= len(rows):
                    skip -= len(rows)
                    continue
                take = rows[skip:skip + query.limit - len(chosen)]
                chosen += [(p, i) for i in take]
                skip = 0
                if len(chosen) >= query.limit:
                    break
            with _Maps(self.parts, [p for p, _ in chosen]) as maps:
                rows = [self._row(p, i, maps[p], query.offset + n) for n, (p, i) in enumerate(chosen)]
            return SamplePage(total=sum(len(r) for _, r in matches), rows=rows, subsets=self.subsets(),
                              notes=self.notes(), complete=final, scanned=self.scanned())

    def page(self, query: SampleQuery, wait: Optional[float] = None) -> SamplePage:
        """The page; waits up to ``wait`` (default: the instance's) for the index to complete first."""
        started, wait = time.monotonic(), self.wait if wait is None else wait
        search = self._search(query.q)
        self._kick(search)
        while True:
            result = self._page_now(query, search)
            waited = time.monotonic() - started
            if result.complete or not self.background or waited >= wait or \
                    (waited >= min(wait, self.page_wait) and len(result.rows) == query.limit):
                return result
            time.sleep(0.04)

    # --- comparing runs -------------------------------------------------------------------------------------
    def outcomes(self) -> dict[tuple[str, str, Any], tuple[Optional[float], bool]]:
        """(subset, sample_id, repeat) -> (main score, errored), for comparing runs (indexes every file first)."""
        self.finish()
        with self._lock:
            out = {}
            for part in self.parts:
                for i, (sample_id, repeat) in enumerate(part.lead.keys):
                    code, r = part.codes[i], part.joined[i]
                    score = part.reviews.scores[r] if r >= 0 and part.reviews is not None else math.nan
                    out[(part.subset, sample_id, repeat)] = (None if math.isnan(score) else score,
                                                            bool(code & ERRORED))
            return out

    def rows_by_key(self, keys: list[tuple[str, str, Any]]) -> dict[tuple[str, str, Any], SampleRow]:
        wanted = set(keys)
        self.finish()
        out = {}
        with self._lock:
            for p, part in enumerate(self.parts):
                hits = [(i, k) for i, k in enumerate(part.lead.keys) if (part.subset, *k) in wanted]
                if hits:
                    with _Maps(self.parts, [p]) as maps:
                        for i, k in hits:
                            out[(part.subset, *k)] = self._row(p, i, maps[p], i)
        return out
