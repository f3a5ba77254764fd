"""GPQA Diamond on the real rows (the shared password zip, read in memory): parsing, simple-evals' option order,
and the answer key scoring 1.0 through the benchmark's own extraction, also read back from a CSV by the loader."""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.errors import DatasetError

ZIP = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "gpqa" / "gpqa_diamond.zip"


def _password() -> bytes:
    m = re.search(r"password `([^`]+)`", (ZIP.parent / "SOURCE.md").read_text(encoding="utf-8"))
    assert m, "SOURCE.md names no password"
    return m.group(1).encode()


@pytest.fixture(scope="module")
def csv_text() -> str:
    if not ZIP.exists():
        pytest.skip(f"shared GPQA data absent: {ZIP}")
    return zipfile.ZipFile(ZIP).read("dataset/gpqa_diamond.csv", pwd=_password()).decode("utf-8")


def _bench(**args):
    return get_benchmark("gpqa_diamond", load_task({"datasets": ["gpqa_diamond"], "dataset_args": {"gpqa_diamond": args}}))


def test_rows_order_and_key(csv_text):
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 198
    bench = _bench()
    rng = random.Random(0)  # simple-evals: one Random(0), sample(range(4), 4) per row, in file order
    (scorer,) = bench.scorers()
    for i, row in enumerate(rows):
        sample = bench.record_to_sample(row, i, "default")
        perm = rng.sample(range(4), 4)
        options = [row["Correct Answer"], row["Incorrect Answer 1"], row["Incorrect Answer 2"], row["Incorrect Answer 3"]]
        assert sample.choices == [options[j] for j in perm]
        assert sample.choices[ord(sample.target_text) - 65] == row["Correct Answer"]
        assert sample.id == row["Record ID"]
        right = f"Reasoning...\nANSWER: {sample.target_text}"
        wrong = "ANSWER: " + next(c for c in "ABCD" if c != sample.target_text)
        answers = [Answer(text=t, extracted=bench.extract_answer(t, sample)) for t in (right, wrong)]
        assert [s.value["acc"] for s in scorer.score(sample, answers)] == [1.0, 0.0]
    letters = [bench.record_to_sample(r, i, "default").target_text for i, r in enumerate(rows)]
    assert set(letters) == set("ABCD")  # shuffled: the answer is not always in one place


def test_loader_reads_the_unzipped_csv(csv_text, tmp_path):
    (tmp_path / "train.csv").write_text(csv_text, encoding="utf-8")
    task = load_task({"datasets": ["gpqa_diamond"], "work_dir": str(tmp_path / "out"),
                      "dataset_args": {"gpqa_diamond": {"local_path": str(tmp_path)}}})
    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    bench = get_benchmark("gpqa_diamond", task)
    (plan,) = BenchmarkRun(bench, task, model=None, run_dir=RunDir(tmp_path / "run"), display=NullDisplay()).plan()
    assert len(plan.samples) == 198
    prompt = bench.build_messages(plan.samples[0], [])[-1].text
    assert "ANSWER: [LETTER]" in prompt and "\nA) " in prompt and "\nD) " in prompt


def _plan(tmp_path, **args):
    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    task = load_task({"datasets": ["gpqa_diamond"], "work_dir": str(tmp_path / "out"),
                      "dataset_args": {"gpqa_diamond": args}})
    bench = get_benchmark("gpqa_diamond", task)
    (plan,) = BenchmarkRun(bench, task, model=None, run_dir=RunDir(tmp_path / "run"), display=NullDisplay()).plan()
    return plan


@pytest.mark.parametrize("given", ["zip", "folder"])
def test_loader_reads_the_published_zip_in_memory(csv_text, tmp_path, given):
    if given == "folder":
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "gpqa_diamond.zip").symlink_to(ZIP)
        local = tmp_path / "data"
    else:
        local = ZIP
    plan = _plan(tmp_path, local_path=str(local))
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [s.id for s in plan.samples] == [r["Record ID"] for r in rows]
    assert not any(p.suffix == ".csv" for p in tmp_path.rglob("*"))  # never unzipped to disk


def test_a_wrong_zip_password_is_a_clear_error(tmp_path):
    if not ZIP.exists():
        pytest.skip(f"shared GPQA data absent: {ZIP}")
    with pytest.raises(DatasetError, match=r"cannot decrypt .*gpqa_diamond.zip.*extra_params.zip_password"):
        _plan(tmp_path, local_path=str(ZIP), extra_params={"zip_password": "wrong"})


def test_a_zip_without_the_csv_names_its_members(tmp_path):
    bad = tmp_path / "dataset.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("dataset/gpqa_main.csv", "Question\nq\n")
    with pytest.raises(DatasetError, match=r"holds no gpqa_diamond.csv \(members: dataset/gpqa_main.csv\)"):
        _plan(tmp_path, local_path=str(bad))
