"""Helpers of the transformers adapter tests: the tiny Llama checkpoint and the python that runs it.

torch and transformers are not in the core's test venv. The tests use the current interpreter when it has
them and the adapter (``.ci/run`` runs the in-process tests with the RAG environment's python, where the
adapter is installed), else ``EVALSCOPE_TESTKIT_PYTHON`` as a subprocess, else they skip with the reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
SHARED = REPO.parent / "shared"
if not SHARED.exists():  # the repo may be cloned elsewhere; the shared data sits beside /work/main
    SHARED = Path("/work/shared")
TESTKIT = SHARED / "testkit"
DATASETS = SHARED / "datasets"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
NEEDS = ("torch", "transformers", "evalscope_transformers")


def _has_modules(python: str) -> list[str]:
    """The modules of ``NEEDS`` that ``python`` cannot import."""
    code = f"import importlib.util as u; print(' '.join(m for m in {NEEDS!r} if u.find_spec(m) is None))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return out.stdout.split() if out.returncode == 0 else list(NEEDS)


def in_process() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in NEEDS)


def kit_python() -> str:
    """A python with torch, transformers and the adapter installed, or skip."""
    if in_process():
        return sys.executable
    other = os.environ.get("EVALSCOPE_TESTKIT_PYTHON", "")
    if not other or not Path(other).exists():
        pytest.skip("torch/transformers/evalscope_transformers are not importable here and "
                    "EVALSCOPE_TESTKIT_PYTHON is not set (.ci/run sets both up)")
    missing = _has_modules(other)
    if missing:
        pytest.skip(f"EVALSCOPE_TESTKIT_PYTHON lacks {', '.join(missing)}: pip install torch==2.13.0 "
                    "./adapters/transformers into it (.ci/run does)")
    return other


def build_tiny_llm(python: str, out_dir: Path) -> Path:
    """The testkit's tiny random Llama (deterministic), built into ``out_dir``."""
    script = TESTKIT / "make_tiny_llm.py"
    if not script.exists():
        pytest.skip(f"testkit not found at {TESTKIT}")
    done = subprocess.run([python, str(script), str(out_dir)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **OFFLINE})
    assert done.returncode == 0, done.stderr[-2000:]
    return out_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def evalscope(python: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``evalscope <args>`` run by ``python`` (the CLI as a user runs it)."""
    return subprocess.run([python, "-m", "evalscope.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **OFFLINE, "PYTHONUNBUFFERED": "1"}, cwd=str(REPO))


def predictions(run_dir: Path, model: str, benchmark: str, subset: str) -> list[dict]:
    path = run_dir / "predictions" / model / f"{benchmark}_{subset}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def answers(rows: list[dict]) -> dict[str, str]:
    """sample id -> answer text (every row must have succeeded)."""
    assert rows and all(r.get("output") and not r.get("error") for r in rows), [r.get("error") for r in rows]
    return {r["sample_id"]: r["output"]["content"] for r in rows}


@pytest.fixture(scope="session")
def ckpt_python() -> str:
    return kit_python()


@pytest.fixture(scope="session")
def tiny_llm(ckpt_python, tmp_path_factory) -> Path:
    return build_tiny_llm(ckpt_python, tmp_path_factory.mktemp("ckpt") / "tiny-llm")


@pytest.fixture(scope="session")
def served_tiny_llm(ckpt_python, tiny_llm):
    """``transformers serve`` on the same checkpoint: (base URL, served model name)."""
    script = TESTKIT / "serve_tiny_llm.sh"
    env = {**os.environ, "PYTHON": ckpt_python}
    started = subprocess.run(["bash", str(script), "start", str(tiny_llm), str(free_port())], env=env,
                             capture_output=True, text=True, timeout=300)
    if started.returncode != 0 and "serving" in started.stderr:
        pytest.skip(f"`transformers serve` could not start (transformers[serving] missing?): {started.stderr[-300:]}")
    assert started.returncode == 0, started.stderr
    url, name, _pid = started.stdout.split()
    yield url, name
    subprocess.run(["bash", str(script), "stop", str(tiny_llm)], env=env, timeout=60)
