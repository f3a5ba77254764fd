"""Issue 8, defect 3: a sweep's folder is its own, inside --outputs-dir."""

import os
import subprocess
import sys

import pytest

from evalscope.errors import UsageError
from evalscope.perf import storage


def test_sweeps_started_in_the_same_second_get_their_own_folders(tmp_path):
    first = storage.output_root(str(tmp_path), "same", "20260101_000000")
    second = storage.output_root(str(tmp_path), "same", "20260101_000000")
    third = storage.output_root(str(tmp_path), "same", "20260101_000000")
    assert first != second != third != first
    assert [p.name for p in (first, second, third)] == ["same", "same_2", "same_3"]
    assert all(p.is_dir() and p.parent == tmp_path / "20260101_000000" for p in (first, second, third))


def test_the_folder_is_inside_the_outputs_dir(tmp_path):
    out = tmp_path / "out"
    for name in ("..", ".", "a/../../b"):
        root = storage.output_root(str(out), name, None)
        assert root.resolve().is_relative_to(out.resolve()), root


def test_outputs_dir_that_is_a_file_is_a_usage_error(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        storage.output_root(str(afile), "run", "20260101_000000")
    with pytest.raises(UsageError, match="is a file"):
        storage.output_root(str(afile / "deeper"), "run", None)
    assert afile.read_text() == "x"


def test_a_claimed_folder_refuses_a_second_sweep(tmp_path):
    root = storage.output_root(str(tmp_path), "fixed", None)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from evalscope.perf import storage\n"
         "with storage.claim(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(30)", str(root)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(UsageError, match=f"in use by another evalscope perf \\(pid {holder.pid}\\)"):
            with storage.claim(root):
                pass
    finally:
        holder.kill()
        holder.wait()
    with storage.claim(root):  # released when its holder dies
        assert (root / storage.LOCK_FILE).read_text().strip() == str(os.getpid())
