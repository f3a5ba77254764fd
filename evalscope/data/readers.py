"""Readers of local data files: jsonl, json, csv, tsv, parquet -> iterators of dict rows.

Rows are streamed, never all held. A malformed row raises a ``DatasetError`` naming the file
and line.
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


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
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
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, fieldnames=list(fieldnames) if fieldnames else None, delimiter=delimiter)
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


def _parquet(path: Path) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DatasetError(f"{path}: reading parquet needs pyarrow: pip install 'evalscope[parquet]'") from None
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=1024):
        yield from batch.to_pylist()
