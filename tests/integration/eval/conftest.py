"""Fixtures for running the real ``evalscope eval`` CLI against the project's mock server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
if not DATASETS.exists():  # the repo may be cloned elsewhere; the shared data sits beside /work/main
    DATASETS = Path("/work/shared/datasets")


def need_data(*names: str) -> None:
    for name in names:
        if not (DATASETS / name).exists():
            pytest.skip(f"shared dataset {name!r} not found under {DATASETS}")


def run_cli(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """``evalscope <args>`` as a user runs it (a subprocess of this venv's interpreter)."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "evalscope", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def only_run_dir(work_dir: Path) -> Path:
    dirs = [d for d in work_dir.iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def read_report(run_dir: Path, model: str, benchmark: str) -> dict:
    return json.loads((run_dir / "reports" / model / f"{benchmark}.json").read_text())


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
