"""Full-text search over a benchmark's samples, done a step at a time and correct on a partial index.

A search looks at each record line on its own: the raw pass (``rawsearch``) finds the lines whose bytes may
hold the needle, each of those is parsed and its searched fields checked (the needle may sit in a JSON key or
in a field that is not searched), in file order. A sample matches when its prediction or its review does. Rows
shown are confirmed matches; until every file is indexed, scanned and confirmed, the result is partial and says
so. A needle the raw pass cannot decide (non-ASCII, quotes...) makes every line a candidate.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from evalscope.report.store.rawsearch import RawHits, raw_needle
from evalscope.report.store.rows import record_text

CONFIRM_BATCH = 200


class _FileSearch:
    """The needle in one file: candidate lines, how many are confirmed (in order), the lines that match."""

    def __init__(self, ix: Any, raw: Optional[bytes]) -> None:
        self.ix, self.generation = ix, ix.generation
        self.hits = RawHits(ix.path, raw)
        self.confirmed = 0  # hits[:confirmed] are decided
        self.true: list[int] = []  # offsets of the lines that match, ascending
        self.mapped = 0  # true[:mapped] turned into rows

    @property
    def done(self) -> bool:
        """Every line of the (fully indexed) file looked at and every candidate decided."""
        return self.ix.remaining == 0 and self.hits.end >= self.ix.end and self.confirmed == len(self.hits.hits)

    def confirm(self, kind: str, needle: str, mm: Any) -> bool:
        """Decide the next batch of candidate lines; ``False`` when there was none."""
        batch = self.hits.hits[self.confirmed:self.confirmed + CONFIRM_BATCH]
        if not batch or mm is None:
            return False
        for offset in batch:
            end = mm.find(b"\n", offset)
            try:
                record = json.loads(mm[offset:end if end >= 0 else len(mm)])
            except ValueError:
                continue
            if isinstance(record, dict) and needle in record_text(record, kind):
                self.true.append(offset)
        self.confirmed += len(batch)
        return True


class _PartSearch:
    def __init__(self, part: Any, raw: Optional[bytes]) -> None:
        self.files = {"lead": _FileSearch(part.lead, raw)}
        if part.reviews is not None and part.reviews is not part.lead:
            self.files["reviews"] = _FileSearch(part.reviews, raw)
        self.rewrites = tuple(f.ix.rewrites for f in self.files.values())
        self.rows: set[int] = set()  # lead rows that match
        self.retry: list[tuple[str, int]] = []  # matching lines whose rows are not indexed yet

    def stale(self) -> bool:
        return any(f.generation != f.ix.generation for f in self.files.values())


class Search:
    """One needle over the parts of a :class:`~evalscope.report.store.samples.BenchmarkSamples`."""

    def __init__(self, needle: str) -> None:
        self.needle = needle.casefold()
        self.raw = raw_needle(self.needle)
        self.parts: dict[int, _PartSearch] = {}

    def _state(self, p: int, part: Any) -> _PartSearch:
        state = self.parts.get(p)
        if state is None or state.stale():  # a file was rewritten: start over
            state = self.parts[p] = _PartSearch(part, self.raw)
        return state

    def step(self, p: int, part: Any, maps: Any) -> bool:
        """The next chunk of work on part ``p`` (confirm the candidates found, else scan further raw);
        ``False``: none left."""
        state = self._state(p, part)
        mm = {"lead": maps[0] if part.lead is part.predictions else maps[1], "reviews": maps[1]}
        if any(f.confirm("review" if f.ix is part.reviews else "prediction", self.needle, mm[name])
               for name, f in state.files.items()):  # lines found so far first: the first page fills early
            return True
        files = sorted(state.files.values(), key=lambda f: f.hits.end / max(f.ix.size, 1))
        return any(f.hits.scan(f.ix.size) for f in files)

    def rows(self, p: int, part: Any) -> tuple[set[int], bool]:
        """Lead rows of part ``p`` confirmed to match so far, and whether that is all of them."""
        state = self._state(p, part)
        if tuple(f.ix.rewrites for f in state.files.values()) != state.rewrites:  # records replaced: map again
            state.rewrites = tuple(f.ix.rewrites for f in state.files.values())
            state.rows, state.retry = set(), []
            for f in state.files.values():
                f.mapped = 0
        pending, state.retry = state.retry, []
        for name, f in state.files.items():
            pending += [(name, o) for o in f.true[f.mapped:]]
            f.mapped = len(f.true)
        for name, offset in pending:
            ix = state.files[name].ix
            row = ix.row_at(offset)
            if row is not None and name == "reviews":
                row = part.lead.position.get(ix.keys[row])
                if row is None and part.lead.remaining > 0:  # its prediction is not indexed yet
                    state.retry.append((name, offset))
                    continue
            if row is not None:
                state.rows.add(row)
            elif offset >= ix.end:
                state.retry.append((name, offset))
        return state.rows, all(f.done for f in state.files.values()) and not state.retry
