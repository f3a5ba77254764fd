"""Parquet image cells read when their sample's messages are built, not at load: the loaded samples hold
locators only (nothing read), building a sample's messages reads its image (and the next ones, in a thread)
with the hash an eager load gives, in any order, and the request takes the bytes from memory (never disk); a file with a cell without bytes is read eagerly (the load-time error naming the row)."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest

from evalscope.api.images import ImageLimits, prepare_part
from evalscope.api.media import content_hash
from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.vision import lazy_parquet
from evalscope.benchmarks.vision.media import cache_dir
from evalscope.config import load_task

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed")
pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")


def png(shade: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 3, 2, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\x00" + bytes([shade, shade ^ 7, 255 - shade]) for _ in range(2)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def docvqa_file(tmp_path: Path, n: int, missing: int | None = None) -> tuple[Path, list[bytes]]:
    images = [png(i) for i in range(n)]
    rows = [{"questionId": i, "question": f"q{i}", "answers": [f"a{i}"],
             "image": {"bytes": None if i == missing else images[i], "path": f"page_{i}.png"}} for i in range(n)]
    path = tmp_path / "DocVQA" / "validation-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=5)  # several groups, several batches each
    return path, images


def docvqa(tmp_path: Path):
    return get_benchmark("docvqa", load_task({"datasets": ["docvqa"],
                                              "dataset_args": {"docvqa": {"local_path": str(tmp_path)}}}))


@pytest.fixture
def store(monkeypatch):
    """A fresh process store reading 2 cells ahead."""
    monkeypatch.setattr(lazy_parquet.CellStore, "AHEAD", 2)
    monkeypatch.setattr(lazy_parquet, "_store", None)
    yield lazy_parquet.store()
    lazy_parquet.store().close()


def held(store) -> list[str]:
    for future in list(store._pending.values()):
        future.result()  # the read-ahead done
    return list(store._bytes)


def sent(part) -> bytes:
    uri = prepare_part(part, ImageLimits()).image
    assert uri.startswith("data:image/png;base64,")
    return base64.b64decode(uri.split(",", 1)[1])


def test_samples_hold_locators_and_each_image_is_read_when_its_messages_are_built(tmp_path, store):
    path, images = docvqa_file(tmp_path, 12)
    bench = docvqa(tmp_path)
    rows = list(bench.read_local_file(path))
    assert [r["questionId"] for r in rows] == list(range(12))
    assert all(isinstance(r["image"], lazy_parquet.LazyCell) for r in rows)
    samples = [bench.record_to_sample(r, i, "DocVQA") for i, r in enumerate(rows)]
    parts = [s.input[0].content[1] for s in samples]
    assert all(p.image.startswith(lazy_parquet.PREFIX) and p.sha256 is None for p in parts)
    assert [p.source for p in parts] == [f"page_{i}.png" for i in range(12)]
    assert held(store) == []  # nothing read at load

    for i, then in ((3, [3, 4, 5]), (9, [3, 4, 5, 9, 10, 11])):  # the cell and the AHEAD after it, across groups
        bench.build_messages(samples[i], [])
        assert held(store) == [parts[j].image for j in then]
    for i in (7, 8, 2, 11, 0, 7, 4):  # forward, back across row groups, and again
        image = bench.build_messages(samples[i], [])[0].content[1]
        assert image.sha256 == content_hash(images[i]) and image.media_type == "image/png"
        assert image.source == f"page_{i}.png" and image.image == parts[i].image
        assert sent(image) == images[i]
        assert image.model_dump(exclude_none=True) == samples[i].input[0].content[1].model_copy(
            update={"sha256": content_hash(images[i]), "media_type": "image/png"}).model_dump(exclude_none=True)
    assert not any((cache_dir() / f"{content_hash(d)}.png").exists() for d in images)  # never on disk


def test_reading_in_order_reads_each_cell_once(tmp_path, store, monkeypatch):
    path, images = docvqa_file(tmp_path, 12)
    bench = docvqa(tmp_path)
    samples = [bench.record_to_sample(r, i, "DocVQA") for i, r in enumerate(bench.read_local_file(path))]
    reads = []
    read_cell = lazy_parquet.CellStore._read_cell
    monkeypatch.setattr(lazy_parquet.CellStore, "_read_cell",
                        lambda self, cell: reads.append((cell.group, cell.row)) or read_cell(self, cell))
    for i, sample in enumerate(samples):
        assert sent(bench.build_messages(sample, [])[0].content[1]) == images[i]
    assert sorted(reads) == [(i // 5, i % 5) for i in range(12)]  # 3 row groups of 5, 5, 2 rows


def test_evicted_bytes_are_read_again(tmp_path, store, monkeypatch):
    path, images = docvqa_file(tmp_path, 12)
    monkeypatch.setattr(lazy_parquet.CellStore, "MAX_BYTES", 1)  # only the newest cell stays in memory
    monkeypatch.setattr(lazy_parquet.CellStore, "TAKEN_BYTES", 1)  # and the last one taken
    bench = docvqa(tmp_path)
    samples = [bench.record_to_sample(r, i, "DocVQA") for i, r in enumerate(bench.read_local_file(path))]
    built = [bench.build_messages(s, [])[0].content[1] for s in samples]
    assert len(held(store)) == 1
    for i in (0, 11, 5, 6, 1, 1):
        assert sent(built[i]) == images[i]
    assert list(store._taken) == [built[1].image] and list(store._bytes) == []  # the 12th taken, moved


def test_taken_bytes_are_dropped_but_the_last_few_kept_for_repeats(tmp_path, store):
    path, images = docvqa_file(tmp_path, 12)
    bench = docvqa(tmp_path)
    samples = [bench.record_to_sample(r, i, "DocVQA") for i, r in enumerate(bench.read_local_file(path))]
    image = bench.build_messages(samples[0], [])[0].content[1]
    assert held(store) == [samples[i].input[0].content[1].image for i in (0, 1, 2)]
    assert sent(image) == sent(image) == images[0]  # a repeat
    assert list(store._bytes) == [samples[i].input[0].content[1].image for i in (1, 2)]
    assert list(store._taken) == [image.image] and store._held == len(images[1]) + len(images[2])


def test_a_cell_without_bytes_makes_the_file_eager_and_the_load_names_the_row(tmp_path):
    path, _ = docvqa_file(tmp_path, 6, missing=4)
    bench = docvqa(tmp_path)
    assert bench.read_local_file(path) is None  # the loader's reader, whose rows carry the bytes
    from evalscope.data.readers import read_rows

    rows = list(read_rows(path))
    bench.record_to_sample(rows[0], 0, "DocVQA")
    with pytest.raises(ValueError, match=r"docvqa/DocVQA row 5.*page_4.png.*not found"):
        bench.record_to_sample(rows[4], 4, "DocVQA")


def test_a_changed_file_is_a_media_error_naming_it(tmp_path):
    path, _ = docvqa_file(tmp_path, 6)
    cell = lazy_parquet.LazyCell(str(path), 0, 9, "image")  # a row the group does not have
    from evalscope.api.media import MediaError

    with pytest.raises(MediaError, match=r"row group 0 has no row 10"):
        lazy_parquet.CellReader(str(path)).read(cell)


@pytest.mark.parametrize("name", ["general_vmcq", "general_vqa"])
def test_benchmarks_with_their_own_messages_resolve_lazy_images_too(tmp_path, store, name):
    images = [png(i) for i in range(3)]
    rows = [{"question": f"q{i}", "options": '["x", "y"]', "answer": "A",
             "image": {"bytes": images[i], "path": f"img_{i}.png"}} for i in range(3)]
    path = tmp_path / "default_val.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    bench = get_benchmark(name, load_task({"datasets": [name], "dataset_args": {name: {"local_path": str(tmp_path)}}}))
    read = list(bench.read_local_file(path))
    assert isinstance(read[2]["image"], lazy_parquet.LazyCell)
    sample = bench.record_to_sample(read[2], 2, "default")
    image = next(p for m in bench.build_messages(sample, []) if not isinstance(m.content, str)
                 for p in m.content if p.type == "image")
    assert (image.sha256, image.source) == (content_hash(images[2]), "img_2.png")
    assert sent(image) == images[2]
