"""Parquet files of image rows read without their image bytes; each image read when its sample is sent.

Loading a 2,000-page DocVQA shard set used to read (and spill to disk) a gigabyte of PNG bytes before the first
request. Here a file's rows are read without the bytes of their ``image`` / ``image_N`` ``{bytes, path}``
columns (only the ``path`` leaf), each such cell becoming a :class:`LazyCell` (file, row group, row, column).
The sample then holds an image part whose ``image`` is a ``parquet-cell:`` locator; when the engine builds the
sample's messages (one work item at a time, in the plan's order), :meth:`CellStore.resolve` reads that cell
(ahead, in a thread) and sets the part's hash and MIME type, the same as an eager load's, so resume and records
(hash + source) are unchanged. The request's image preparer then takes the bytes from memory
(``evalscope.api.images.register_byte_source``); nothing is written to disk. A :class:`CellReader` streams
the image column a few rows at a time and moves forward, so reading in order costs one pass over the file;
going back (resume checks all samples first) restarts the row group.

A file is read lazily only when its metadata promises every image cell has bytes (the ``bytes`` leaf's null
count is 0 in every row group); otherwise the loader's eager reader takes it, and a cell without bytes is the
load-time error naming the row that it always was.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from evalscope.api.images import register_byte_source
from evalscope.api.media import MediaError, content_hash, sniff_media_type

PREFIX = "parquet-cell:"
ROWS_PER_READ = 4
_IMAGE_COLUMNS = ("image", *(f"image_{i}" for i in range(1, 101)))


@dataclass(frozen=True)
class LazyCell:
    """Where one image's bytes lie: ``column`` of row ``row`` of row group ``group`` of ``file``."""

    file: str
    group: int
    row: int
    column: str
    path: Optional[str] = None
    """The struct's ``path`` (the image's source name), read at load time."""

    @property
    def locator(self) -> str:
        return f"{PREFIX}{self.group}:{self.row}:{self.column}:{self.file}"

    @classmethod
    def parse(cls, locator: str) -> "LazyCell":
        group, row, column, file = locator[len(PREFIX):].split(":", 3)
        return cls(file, int(group), int(row), column)


def _lazy_columns(parquet: Any) -> list[str]:
    """The image columns whose every cell has bytes (by the row groups' statistics); ``[]``: read eagerly."""
    import pyarrow as pa

    schema = parquet.schema_arrow
    columns = []
    for name in _IMAGE_COLUMNS:
        if name not in schema.names:
            continue
        kind = schema.field(name).type
        if not (pa.types.is_struct(kind) and kind.get_field_index("bytes") >= 0 and kind.get_field_index("path") >= 0):
            return []
        raw = kind.field("bytes").type
        if not (pa.types.is_binary(raw) or pa.types.is_large_binary(raw)):
            return []
        columns.append(name)
    meta = parquet.metadata
    leaves = {meta.schema.column(j).path: j for j in range(meta.num_columns)}
    for name in columns:
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(leaves[f"{name}.bytes"]).statistics
            if stats is None or not stats.has_null_count or stats.null_count:
                return []
    return columns


def read_rows(path: Path) -> Optional[Iterator[dict[str, Any]]]:
    """The rows of a parquet file, image cells as :class:`LazyCell`; ``None`` when it has no lazy image column."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    lazy = _lazy_columns(parquet)
    if not lazy:
        return None
    return _rows(parquet, str(Path(path).resolve()), lazy)


def _rows(parquet: Any, file: str, lazy: list[str]) -> Iterator[dict[str, Any]]:
    names = parquet.schema_arrow.names
    columns = [n for n in names if n not in lazy] + [f"{n}.path" for n in lazy]
    for group in range(parquet.num_row_groups):
        for row, record in enumerate(parquet.read_row_group(group, columns=columns, use_threads=False).to_pylist()):
            for name in lazy:
                record[name] = LazyCell(file, group, row, name, (record.get(name) or {}).get("path"))
            yield {n: record[n] for n in names}


class CellReader:
    """Image cells of one parquet file, streamed forward a few rows at a time (restarted to go back)."""

    def __init__(self, file: str) -> None:
        import pyarrow.parquet as pq

        self._parquet = pq.ParquetFile(file, buffer_size=1 << 20, pre_buffer=False)
        self._at: Optional[tuple[int, str]] = None  # (row group, column) of the stream
        self._batches: Iterator[Any] = iter(())
        self._start = 0  # first row of the current batch
        self._batch: list[Any] = []

    def read(self, cell: LazyCell) -> bytes:
        if self._at != (cell.group, cell.column) or cell.row < self._start:
            self._at, self._start, self._batch = (cell.group, cell.column), 0, []
            self._batches = self._parquet.iter_batches(batch_size=ROWS_PER_READ, row_groups=[cell.group],
                                                       columns=[f"{cell.column}.bytes"], use_threads=False)
        while cell.row >= self._start + len(self._batch):
            self._start += len(self._batch)
            batch = next(self._batches, None)
            if batch is None:
                raise MediaError(f"{cell.file}: row group {cell.group} has no row {cell.row + 1} (file changed?)")
            self._batch = batch.column(0).field("bytes").to_pylist()
        data = self._batch[cell.row - self._start]
        if not data:
            raise MediaError(f"{cell.file}: row group {cell.group} row {cell.row + 1}: image cell has no bytes")
        return data


class CellStore:
    """The process's lazy cells: each resolved cell's hash and MIME type, and the bytes of recent ones.

    :meth:`resolve` is called on the event loop (the engine builds messages there), so reading and hashing happen
    in one thread of their own (pyarrow and hashlib release the GIL), ``AHEAD`` cells ahead of the plan in file
    order; the loop waits only for a cell not read yet. The bytes stay in memory until :meth:`read` (the image
    preparer, per request) takes them (at most ``MAX_BYTES``: what is in flight and read ahead), then among the
    last ``TAKEN_BYTES`` taken (the other repeats of a sample are asked right after it); bytes evicted before
    they are needed are read again. Nothing is written to disk. One file's reader is open at a time (a reader
    keeps ~100 MB of pyarrow buffers).
    """

    AHEAD = 32
    MAX_BYTES = 128 << 20
    TAKEN_BYTES = 16 << 20

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reader: Optional[tuple[str, CellReader]] = None  # used by the reading thread only
        self._done: dict[str, tuple[str, Optional[str]]] = {}
        self._bytes: OrderedDict[str, bytes] = OrderedDict()  # read, not taken yet
        self._taken: OrderedDict[str, bytes] = OrderedDict()
        self._held = self._held_taken = 0
        self._pending: dict[str, Future] = {}
        self._starts: dict[str, list[int]] = {}  # per file: the first row of each row group, then the row count
        self._ahead_to: dict[tuple[str, str], int] = {}  # per (file, column): the last row submitted to read ahead
        self._executor: Optional[ThreadPoolExecutor] = None

    def resolve(self, locator: str) -> tuple[str, Optional[str]]:
        """``(sha256, media_type)`` of the cell at ``locator`` (``MediaError`` when it cannot be read)."""
        if locator in self._done:
            return self._done[locator]
        cell = LazyCell.parse(locator)
        future = self._pending.pop(locator, None) or self._submit(self._load, cell)
        for later in self._after(cell):
            if later.locator not in self._pending and later.locator not in self._done:
                self._pending[later.locator] = self._submit(self._load, later)
        self._done[locator] = future.result()
        return self._done[locator]

    def read(self, locator: str) -> tuple[bytes, Optional[str]]:
        """The cell's bytes and MIME type (any thread): from memory, or read again when evicted."""
        with self._lock:
            data = self._bytes.pop(locator, None)
            if data is not None:
                self._held -= len(data)
                self._keep_taken(locator, data)
            elif locator in self._taken:
                data = self._taken[locator]
                self._taken.move_to_end(locator)
        if data is None:
            data = self._submit(self._read_cell, LazyCell.parse(locator)).result()
            with self._lock:
                self._keep_taken(locator, data)
        known = self._done.get(locator)
        return data, known[1] if known else sniff_media_type(data)

    def _keep_taken(self, locator: str, data: bytes) -> None:
        self._taken[locator] = data
        self._held_taken += len(data)
        while self._held_taken > self.TAKEN_BYTES and len(self._taken) > 1:
            self._held_taken -= len(self._taken.popitem(last=False)[1])

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._pending.clear()
        with self._lock:
            self._bytes.clear()
            self._taken.clear()
            self._held = self._held_taken = 0
        self._reader = None

    def _submit(self, fn: Callable[[LazyCell], Any], cell: LazyCell) -> Future:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalscope-parquet-images")
            return self._executor.submit(fn, cell)

    def _after(self, cell: LazyCell) -> Iterator[LazyCell]:
        """The cells of the same column up to ``AHEAD`` rows after ``cell`` in its file, not yet submitted."""
        starts = self._starts.get(cell.file)
        if starts is None:
            import pyarrow.parquet as pq

            try:
                meta = pq.read_metadata(cell.file)
            except (OSError, ValueError):
                return  # _load reports it
            starts = self._starts[cell.file] = list(accumulate((meta.row_group(i).num_rows
                                                                for i in range(meta.num_row_groups)), initial=0))
        if cell.group >= len(starts) - 1:
            return
        at = starts[cell.group] + cell.row
        key = (cell.file, cell.column)
        last = min(at + self.AHEAD, starts[-1] - 1)
        first = max(at, self._ahead_to.get(key, -1)) + 1
        if last < first:
            return
        self._ahead_to[key] = last
        for flat in range(first, last + 1):
            group = bisect_right(starts, flat) - 1
            yield LazyCell(cell.file, group, flat - starts[group], cell.column)

    def _read_cell(self, cell: LazyCell) -> bytes:
        try:
            if self._reader is None or self._reader[0] != cell.file:
                self._reader = None  # the previous file's buffers go before the next file's come
                self._reader = (cell.file, CellReader(cell.file))
            return self._reader[1].read(cell)
        except (OSError, ValueError, IndexError) as exc:  # pyarrow's errors of a file changed or cut short
            raise MediaError(f"cannot read {cell.file} (changed since it was loaded?): {exc}") from None

    def _load(self, cell: LazyCell) -> tuple[str, Optional[str]]:
        data = self._read_cell(cell)
        with self._lock:
            self._bytes[cell.locator] = data
            self._held += len(data)
            while self._held > self.MAX_BYTES and len(self._bytes) > 1:
                self._held -= len(self._bytes.popitem(last=False)[1])
        return content_hash(data), sniff_media_type(data)


_store: Optional[CellStore] = None
_store_lock = threading.Lock()


def store() -> CellStore:
    """The process's :class:`CellStore` (created on first use)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = CellStore()
        return _store


register_byte_source(PREFIX, lambda locator: store().read(locator))
