"""Parquet files of image bytes: rows read a few at a time, every row, in order, with the same values as a file of
small cells (which is read a row group at a time)."""

from __future__ import annotations

import os

import pytest

from evalscope.data.readers import read_rows

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.mark.parametrize("cell", [100, 200_000])  # bytes per image cell: the small and the large-cell path
def test_every_row_in_order(tmp_path, cell):
    rows = [{"id": i, "image": {"bytes": os.urandom(cell), "path": f"p{i}.png"}, "answers": [str(i)]}
            for i in range(23)]
    path = tmp_path / "validation-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=10)  # groups of 10, 10, 3
    assert list(read_rows(path)) == rows
