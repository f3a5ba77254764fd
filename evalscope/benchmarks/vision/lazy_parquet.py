"""Parquet files of image rows read without their image bytes; each image read when its sample is sent.

Loading a 2,000-page DocVQA shard set used to read (and spill to disk) a gigabyte of PNG bytes before the first
request. Here a file's rows are read without the bytes of their ``image`` / ``image_N`` ``{bytes, path}``
columns (only the ``path`` leaf), each such cell becoming a :class:`LazyCell` (file, row group, row, column).
The sample then holds an image part whose ``image`` is a ``parquet-cell:`` locator; when the engine builds the
sample's messages (one work item at a time, in the plan's order), :func:`resolve` reads that cell, writes the
bytes to the content-addressed folder and sets the part's hash, MIME type and source, exactly as an eager load
would have. A :class:`CellReader` per file streams the image column a few rows at a time and moves forward, so
reading in order costs one pass over the file; going back (resume checks all samples first) restarts the row
group.

A file is read lazily only when its metadata promises every image cell has bytes (the ``bytes`` leaf's null
count is 0 in every row group); otherwise the loader's eager reader takes it, and a cell without bytes is the
load-time error naming the row that it always was.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from evalscope.api.media import MediaError

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
    """A :class:`CellReader` of the file being read, and what each resolved cell became (path, hash, type: no
    bytes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reader: Optional[tuple[str, CellReader]] = None  # one file open at a time: the plan reads in order
        self._done: dict[str, tuple[str, str, Optional[str]]] = {}

    def resolve(self, locator: str, spill: Any) -> tuple[str, str, Optional[str]]:
        """``(path, sha256, media_type)`` of the cell at ``locator``, its bytes written by ``spill`` once."""
        with self._lock:
            if locator in self._done:
                return self._done[locator]
            cell = LazyCell.parse(locator)
            if self._reader is None or self._reader[0] != cell.file:
                self._reader = None  # the previous file's buffers go before the next file's come
                try:
                    self._reader = (cell.file, CellReader(cell.file))
                except OSError as exc:
                    raise MediaError(f"cannot read {cell.file}: {exc}") from None
            reader = self._reader[1]
            try:
                data = reader.read(cell)
            except OSError as exc:
                raise MediaError(f"cannot read {cell.file}: {exc}") from None
            part = spill(data, "")
            self._done[locator] = (part.image, part.sha256, part.media_type)
            return self._done[locator]
