"""Shared by the perf integration tests (not a conftest.py: the eval tests import theirs as `conftest`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evalscope.perf.storage import read_db


class PerfRun:
    def __init__(self, proc: subprocess.CompletedProcess, root: Path) -> None:
        self.proc, self.root = proc, root
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr

    def run_dir(self, parallel: int, number: int) -> Path:
        return self.root / f"parallel_{parallel}_number_{number}"

    def rows(self, parallel: int, number: int) -> list[dict]:
        return read_db(self.run_dir(parallel, number) / "benchmark_data.db")

    def summary(self, parallel: int, number: int) -> dict:
        return json.loads((self.run_dir(parallel, number) / "benchmark_summary.json").read_text())

    def json(self, parallel: int, number: int, name: str):
        return json.loads((self.run_dir(parallel, number) / name).read_text())

    # runs named otherwise (rate sweeps: rate_<r>_number_<n>)
    def rows_at(self, run_name: str) -> list[dict]:
        return read_db(self.root / run_name / "benchmark_data.db")

    def summary_at(self, run_name: str) -> dict:
        return json.loads((self.root / run_name / "benchmark_summary.json").read_text())


@pytest.fixture
def perf(tmp_path):
    """Run ``evalscope perf`` as a subprocess; outputs go to ``tmp_path/<name>``."""

    def _run(*args: str, name: str = "run", timeout: float = 60) -> PerfRun:
        cmd = [sys.executable, "-m", "evalscope", "perf", "--outputs-dir", str(tmp_path), "--no-timestamp",
               "--name", name, "--log-every-n-query", "0", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return PerfRun(proc, tmp_path / name)

    return _run
