"""STS Benchmark (test, 1,379 pairs) with all-MiniLM-L6-v2: the local path vs the API path.

Runs `evalscope eval --eval-backend RAGEval` twice with the RAG environment's CLI (in-process):
once with the model loaded locally, once through the testkit embeddings server on loopback; then
once more isolated (driven from the current Python). Prints main score and wall time of each.
Needs the RAG environment with the test extras (backends/rag/ci_setup.sh) and ../shared.

    .venv/bin/python bench/rag_sts.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration" / "rag"))
from ragkit import OFFLINE, STS_TEST, EmbeddingsServer, model_path  # noqa: E402

from evalscope.backend import envs  # noqa: E402


def run(python: str, model: dict, runner: str, tmp: Path, env: dict) -> tuple[float, float, float]:
    cfg = tmp / f"{runner}-{model.get('name')}.yaml"
    cfg.write_text(yaml.safe_dump({"tool": "MTEB", "models": [model], "eval": {"local_data": {"STSBenchmark": str(STS_TEST)}}}))
    work = tmp / cfg.stem
    started = time.monotonic()
    subprocess.run([python, "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval", "--eval-config", str(cfg),
                    "--work-dir", str(work), "--no-timestamp"], check=True, capture_output=True,
                   env={**env, "EVALSCOPE_BACKEND_RUNNER": runner})
    wall = time.monotonic() - started
    import json

    report = json.loads(next((work / "reports").rglob("STSBenchmark.json")).read_text())
    return report["metrics"][0]["score"], report["extra"]["evaluation_time"], wall


def main() -> None:
    if not envs.is_installed("rag"):
        sys.exit("the RAG environment is not installed: run backends/rag/ci_setup.sh")
    py = str(envs.env_python("rag"))
    env = {**os.environ, **OFFLINE}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        server = EmbeddingsServer(Path(py), tmp / "server.log")
        try:
            local = {"model_name_or_path": model_path(Path(py)), "name": "local", "encode_kwargs": {"batch_size": 64}}
            api = {"model_name": "all-MiniLM-L6-v2", "name": "api", "api_base": server.base_url,
                   "encode_kwargs": {"batch_size": 64}}
            rows = [("local, in-process", run(py, local, "inprocess", tmp, env)),
                    ("API, in-process", run(py, api, "inprocess", tmp, env)),
                    ("local, isolated", run(sys.executable, local, "isolated", tmp, env)),
                    ("API, isolated", run(sys.executable, api, "isolated", tmp, env))]
        finally:
            server.stop()
    print(f"{'path':<20} {'cosine_spearman':>16} {'mteb s':>8} {'wall s':>8}")
    for name, (score, mteb_s, wall) in rows:
        print(f"{name:<20} {score:>16.4f} {mteb_s:>8.1f} {wall:>8.1f}")
    print("mteb s: MTEB's evaluation of the task (encoding + scoring); wall: the whole `evalscope eval`")
    info = envs.env_info("rag") or {}
    print(f"isolated environment: {info.get('path')} {info.get('size_mb')} MB, created in {info.get('seconds')} s")


if __name__ == "__main__":
    main()
