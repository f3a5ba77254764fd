"""Readers of local data files: jsonl, json, csv, tsv, parquet -> iterators of dict rows.

Rows are streamed, never all held. A malformed row, or bytes that are not UTF-8, raise a
``DatasetError`` naming the file and line (and the byte offset of bad bytes).
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from evalscope.errors import DatasetError

SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet", ".jsonl.gz")


def data_suffix(path: Path) -> Optional[str]:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


def read_rows(path: Path, fieldnames: Optional[Sequence[str]] = None) -> Iterator[dict[str, Any]]:
    """Rows of one data file; ``fieldnames`` names the columns of a header-less CSV."""
    suffix = data_suffix(path)
    if suffix in (".jsonl", ".jsonl.gz"):
        yield from _jsonl(path)
    elif suffix == ".json":
        yield from _json(path)
    elif suffix in (".csv", ".tsv"):
        yield from _csv(path, "\t" if suffix == ".tsv" else ",", fieldnames)
    elif suffix == ".parquet":
        yield from _parquet(path)
    else:
        raise DatasetError(f"{path}: unsupported data file type (use one of {', '.join(SUFFIXES)})")


def _not_utf8(path: Path, lineno: int, offset: int, byte: bytes) -> DatasetError:
    return DatasetError(f"{path}:{lineno}: not UTF-8 text (byte 0x{byte.hex()} at byte offset {offset}); "
                        "save the file as UTF-8")


def text_lines(path: Path, bom: bool = False) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 text file (gzip-compressed when it ends in ``.gz``), each
    line with its end kept; ``bom`` drops a leading byte-order mark."""
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    offset = 0
    with opener(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, lineno, offset + exc.start, raw[exc.start:exc.start + 1]) from None
            if bom and lineno == 1:
                line = line.removeprefix("\ufeff")
            offset += len(raw)
            yield lineno, line


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for lineno, line in text_lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{lineno}: malformed JSON line: {exc.msg} (column {exc.colno})") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{path}:{lineno}: expected a JSON object per line, got {type(row).__name__}")
        yield row


def _json(path: Path) -> Iterator[dict[str, Any]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)  # utf-8-sig counts after the BOM
        raise _not_utf8(path, raw.count(b"\n", 0, start) + 1, start, raw[start:start + 1]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg} (column {exc.colno})") from None
    if isinstance(data, dict):
        for key in ("data", "rows", "examples", "test"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise DatasetError(f"{path}: expected a JSON list of objects (or {{\"data\": [...]}})")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise DatasetError(f"{path}: item {i} is {type(row).__name__}, expected an object")
        yield row


def _csv(path: Path, delimiter: str, fieldnames: Optional[Sequence[str]]) -> Iterator[dict[str, Any]]:
    lines = (line for _, line in text_lines(path, bom=True))
    reader = csv.DictReader(lines, fieldnames=list(fieldnames) if fieldnames else None, delimiter=delimiter)
    header = reader.fieldnames or []
    if not header:
        return
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            given = sum(1 for k, v in row.items() if k is not None and v is not None) + len(row.get(None) or [])
            raise DatasetError(
                f"{path}:{reader.line_num}: row has {given} of {len(header)} columns ({', '.join(header)})"
            )
        yield row


ROWS_OF_LARGE_CELLS = 4
"""Rows made Python objects at once from a parquet row group of large cells (more than 64 kB a row)."""


def _parquet(path: Path) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DatasetError(f"{path}: reading parquet needs pyarrow: pip install 'evalscope[parquet]'") from None
    parquet = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    # one row group at a time, without read-ahead; a group of large cells (image bytes) is streamed a few rows at
    # a time through a 1 MB read buffer, so neither a file of images nor a whole row group of them is held
    for i in range(parquet.num_row_groups):
        meta = parquet.metadata.row_group(i)
        if meta.total_byte_size / max(meta.num_rows, 1) < 65536:
            yield from parquet.read_row_group(i, use_threads=False).to_pylist()
            continue
        for batch in parquet.iter_batches(batch_size=ROWS_OF_LARGE_CELLS, row_groups=[i], use_threads=False):
            yield from batch.to_pylist()
