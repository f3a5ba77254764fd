"""Vision benchmarks' record hooks: image cells of every form become parts without bytes in memory, answers
are extracted as EvalScope does (plus the documented leniencies), and bad rows or shards fail naming what."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest

from evalscope.api import Sample
from evalscope.api.media import content_hash
from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.vision.media import answer_line, image_part
from evalscope.config import load_task
from evalscope.errors import DatasetError
from evalscope.native.loader import shard_files


def png(shade: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\x00" + bytes([shade]) * 2 for _ in range(2)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def bench(name: str, **args):
    return get_benchmark(name, load_task({"datasets": [name], "dataset_args": {name: args}}))


@pytest.mark.parametrize("cell, source", [
    ({"bytes": png(1), "path": "p.png"}, "p.png"),
    ({"bytes": base64.b64encode(png(1)).decode(), "path": None}, "row"),
    ("data:image/png;base64," + base64.b64encode(png(1)).decode(), "inline"),
    (base64.b64encode(png(1)).decode(), "inline"),  # bare base64
])
def test_image_bytes_are_spilled_to_a_file_with_hash_and_source(cell, source):
    part = image_part(cell, [Path.cwd()], "row")
    assert Path(part.image).is_file() and part.media_type == "image/png"
    assert part.sha256 == content_hash(Path(part.image).read_bytes())
    assert part.source == source


def test_paths_resolve_against_the_data_folder_and_urls_pass(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "default" / "a.png").write_bytes(png())
    part = image_part("a.png", [tmp_path, tmp_path / "default"], "row 1")
    assert part.image == str(tmp_path / "default" / "a.png") and part.source == "a.png" and part.sha256 is None
    assert image_part("https://x/y.jpg", [], "r").image == "https://x/y.jpg"
    with pytest.raises(ValueError, match=r"row 1: image file 'b.png' not found \(looked in "):
        image_part("b.png", [tmp_path], "row 1")


def test_answer_line_is_the_last_one():
    assert answer_line("ANSWER: a\nthen\nAnswer:  b ") == "b"
    assert answer_line("no line") is None


@pytest.mark.parametrize("reply, extracted", [
    ("ANSWER: B. two", "b"), ("ANSWER: (C)", "c"), ("**ANSWER: A**", "a"), ("I think\nB", "b"),
    ("ANSWER: Banana", "banana"),  # a word is not an option letter
])
def test_real_world_qa_reads_option_letters(reply, extracted):
    sample = Sample(id="0", input="q", target="b", metadata={"answer_type": "multiple_choice"})
    assert bench("real_world_qa").extract_answer(reply, sample) == extracted


def test_short_answers_keep_their_text():
    sample = Sample(id="0", input="q", target="3", metadata={"answer_type": "short_answer"})
    assert bench("real_world_qa").extract_answer("ANSWER: 3.", sample) == "3"
    assert bench("docvqa").extract_answer("Reasoning...\nANSWER:  J. Smith ", sample) == "J. Smith"
    assert bench("chartqa").extract_answer("no answer line", sample) == ""


def test_ai2d_answer_index_must_name_an_option():
    with pytest.raises(ValueError, match="not an index"):
        bench("ai2d").record_to_sample({"question": "q", "options": ["a", "b"], "answer": "2"}, 0, "default")
    sample = bench("ai2d").record_to_sample({"question": "q", "options": ["a", "b"], "answer": "1"}, 0, "default")
    assert sample.target == "B" and "B) b" in sample.input_text


def test_shards_are_read_in_order_and_a_missing_one_is_named(tmp_path):
    for i in (0, 1, 2):
        (tmp_path / f"test-{i:05d}-of-00003.parquet").write_bytes(b"")
    assert [p.name for p in shard_files(tmp_path / "test-00000-of-00003.parquet")] == [
        "test-00000-of-00003.parquet", "test-00001-of-00003.parquet", "test-00002-of-00003.parquet"]
    (tmp_path / "test-00001-of-00003.parquet").unlink()
    with pytest.raises(DatasetError, match="1 of 3 shards missing .*test-00001-of-00003"):
        shard_files(tmp_path / "test-00000-of-00003.parquet")
    assert shard_files(tmp_path / "plain.parquet") == [tmp_path / "plain.parquet"]


def test_shard_names_may_end_in_a_hash(tmp_path):
    (tmp_path / "testmini-00000-of-00002-725687bf.parquet").write_bytes(b"")
    (tmp_path / "testmini-00001-of-00002-0a1b.parquet").write_bytes(b"")
    assert [p.name for p in shard_files(tmp_path / "testmini-00000-of-00002-725687bf.parquet")] == [
        "testmini-00000-of-00002-725687bf.parquet", "testmini-00001-of-00002-0a1b.parquet"]


@pytest.mark.parametrize("reply, answer_type, precision, extracted", [
    ("so \\boxed{1.449}", "float", 2.0, "1.45"), ("\\boxed{3.9}", "integer", None, "3"),
    ("ANSWER: 12", "integer", None, "12"), ("\\boxed{$Paris$}", "text", None, "Paris"),
])
def test_math_vista_normalizes_by_answer_type(reply, answer_type, precision, extracted):
    sample = Sample(id="0", input="q", target="x", metadata={"answer_type": answer_type, "precision": precision})
    assert bench("math_vista").extract_answer(reply, sample) == extracted
