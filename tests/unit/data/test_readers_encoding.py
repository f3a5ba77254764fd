"""Data files that are not UTF-8 are one DatasetError naming the file, the line and the byte offset."""

import gzip
import json

import pytest

from evalscope.data.readers import read_rows
from evalscope.errors import DatasetError

GOOD = {"question": "q1", "answer": "a1"}
BAD = '{"question": "caf\xe9", "answer": "a"}'.encode("latin-1")  # 0xe9 alone is not UTF-8


def _jsonl(path, opener=open):
    with opener(path, "wb") as f:
        f.write(json.dumps(GOOD).encode() + b"\n" + BAD + b"\n")


@pytest.mark.parametrize("name", ["data.jsonl", "data.jsonl.gz"])
def test_jsonl(tmp_path, name):
    path = tmp_path / name
    _jsonl(path, gzip.open if name.endswith(".gz") else open)
    rows = read_rows(path)
    assert next(rows) == GOOD  # rows before the bad line are read
    offset = len(json.dumps(GOOD)) + 1 + BAD.index(b"\xe9")
    with pytest.raises(DatasetError, match=rf"{name}:2: not UTF-8 text \(byte 0xe9 at byte offset {offset}\)"):
        next(rows)


def test_json(tmp_path):
    path = tmp_path / "data.json"
    path.write_bytes(b"\xef\xbb\xbf[\n" + json.dumps(GOOD).encode() + b",\n" + BAD + b"\n]")
    offset = 3 + 2 + len(json.dumps(GOOD)) + 2 + BAD.index(b"\xe9")
    with pytest.raises(DatasetError, match=rf"data.json:3: not UTF-8 text \(byte 0xe9 at byte offset {offset}\)"):
        list(read_rows(path))


@pytest.mark.parametrize("name,sep", [("data.csv", ","), ("data.tsv", "\t")])
def test_csv(tmp_path, name, sep):
    path = tmp_path / name
    path.write_bytes(f"question{sep}answer\nq1{sep}a1\n".encode() + "caf\xe9{}a\n".format(sep).encode("cp1252"))
    rows = read_rows(path)
    assert next(rows) == {"question": "q1", "answer": "a1"}
    with pytest.raises(DatasetError, match=rf"{name}:3: not UTF-8 text \(byte 0xe9 at byte offset 25\)"):
        next(rows)


def test_utf8_with_a_bom_and_quoted_newlines_still_read(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b'\xef\xbb\xbfquestion,answer\r\n"line one\r\nline two",\xc3\xa9\r\n')
    assert list(read_rows(path)) == [{"question": "line one\r\nline two", "answer": "\xe9"}]
