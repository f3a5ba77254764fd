"""A real RAGEval run (MTEB on the local all-MiniLM-L6-v2, STS Benchmark cut to 100 pairs) read by the run store
and shown by the viewer: listed as a RAG run with its scores, its reports/report.html written, its run page
served. Skips without the RAG backend's environment (backends/rag/ci_setup.sh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "rag"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "app"))
from ragkit import OFFLINE, REPO, SHARED, model_path, rag_env_python  # noqa: E402


def test_a_real_rag_run_in_the_store_and_the_viewer(tmp_path):
    python = rag_env_python()  # skips when the environment is absent
    config = yaml.safe_load((REPO / "configs" / "rag_mteb_local.yaml").read_text())
    config["eval"]["limits"] = 100
    config["eval"].pop("custom_tasks", None)
    cfg = tmp_path / "rag.yaml"
    cfg.write_text(yaml.safe_dump(config))
    env = {**os.environ, **OFFLINE, "EVALSCOPE_RAG_MODEL": model_path(python), "EVALSCOPE_SHARED": str(SHARED),
           "EVALSCOPE_BACKEND_RUNNER": "inprocess"}
    run = tmp_path / "run"
    done = subprocess.run([str(python), "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval",
                           "--eval-config", str(cfg), "--work-dir", str(run), "--no-timestamp"],
                          capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    from appserver import AppServer

    from evalscope.report.store import RunStore

    [info] = RunStore([tmp_path]).runs()
    assert (info.kind, info.backend, info.status) == ("rag", "RAGEval", "complete")
    score = info.scores["all-MiniLM-L6-v2@STSBenchmark"]
    assert 0.5 < score <= 1.0
    assert "STSBenchmark" in (run / "reports" / "report.html").read_text()
    server = AppServer([tmp_path])
    try:
        [listed] = json.loads(server.get("/api/runs?kind=rag")[2])
        assert listed["id"] == info.id
        page = server.get(f"/run?id={info.id}")[2].decode()
        assert "STSBenchmark" in page and "main_score" in page and f"{score:.4f}" in page
    finally:
        server.stop()
