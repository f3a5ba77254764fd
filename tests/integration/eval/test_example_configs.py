"""The example task configs in configs/ validate (every one: Native task files through ``load_task``, RAGEval
eval_configs through the plugin's own parser), and the Native ones run (against the mock server)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from conftest import DATASETS, only_run_dir, read_report, run_cli

from evalscope.config import load_task
from evalscope.perf.mock_server import run_in_thread

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def _parse_rag_config(data: dict, monkeypatch) -> object:
    """The RAGEval plugin's eval_config parser (pure: no torch, no MTEB), from the plugin's source folder."""
    monkeypatch.syspath_prepend(str(ROOT / "backends" / "rag"))
    for var in ("EVALSCOPE_RAG_MODEL", "EMBEDDINGS_API_BASE", "EMBEDDINGS_API_KEY", "EVALSCOPE_SHARED"):
        monkeypatch.setenv(var, {"EMBEDDINGS_API_BASE": "http://127.0.0.1:1/v1"}.get(var, "/placeholder"))
    try:
        from evalscope_rag.config import parse_config

        return parse_config(data)
    finally:
        for name in [m for m in sys.modules if m == "evalscope_rag" or m.startswith("evalscope_rag.")]:
            del sys.modules[name]  # later tests must not see the plugin as importable in-process


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_example_config_validates(path, monkeypatch):
    data = yaml.safe_load(path.read_text())
    if "tool" in data:  # a RAGEval eval_config (``--eval-backend RAGEval --eval-config FILE``)
        config = _parse_rag_config(data, monkeypatch)
        assert config.models, f"{path.name} names no model"
        assert config.eval.task_names or config.eval.custom_tasks, f"{path.name} names no task"
    elif path.name.startswith("vlmevalkit_"):  # a VLMEvalKit eval_config (``--eval-backend VLMEvalKit``)
        monkeypatch.syspath_prepend(str(ROOT / "backends" / "vlmevalkit"))
        try:
            from evalscope_vlmevalkit.config import parse_config

            config = parse_config(data)
            assert config.data and config.model, f"{path.name} names no dataset or no model"
        finally:
            for name in [m for m in sys.modules if m.startswith("evalscope_vlmevalkit")]:
                del sys.modules[name]
    elif path.name.startswith("opencompass_"):  # a task with an OpenCompass eval_config (``--config FILE``)
        monkeypatch.syspath_prepend(str(ROOT / "backends" / "opencompass"))
        try:
            from evalscope_opencompass.config import parse_config

            task = load_task(path)
            config = parse_config(task.eval_config)
            assert task.eval_backend == "OpenCompass" and config.models, f"{path.name} names no model"
            assert config.datasets or config.custom_datasets, f"{path.name} names no dataset"
        finally:
            for name in [m for m in sys.modules if m.startswith("evalscope_opencompass")]:
                del sys.modules[name]
    elif data.get("eval_backend", "Native") == "RAGEval":
        assert _parse_rag_config(data["eval_config"], monkeypatch).models
    else:
        task = load_task(path)
        assert task.datasets, f"{path.name} names no datasets"


def test_native_demo_config_runs(tmp_path):
    result = run_cli("eval", "--config", "configs/native_demo_mock.yaml", "--work-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert read_report(only_run_dir(tmp_path), "mock-model", "demo_arith")["metrics"][0]["num"] == 50


def test_native_openai_api_config_runs_against_the_mock_server(tmp_path):
    if not DATASETS.exists():
        pytest.skip("shared datasets absent")
    data = yaml.safe_load(Path("configs/native_openai_api.yaml").read_text())
    for args in data["dataset_args"].values():
        args["local_path"] = str(DATASETS / Path(args["local_path"]).name)
    data["limit"] = 3
    data["work_dir"] = str(tmp_path)
    config = tmp_path / "task.yaml"
    config.write_text(yaml.safe_dump(data))
    with run_in_thread(default_reply="<think>hmm, B?</think>ANSWER: A", ttft_ms=1) as server:
        result = run_cli("eval", "--config", str(config), "--api-url", server.url)
        assert server.stats()["total_requests"] == 3 + 9 + 6 + 3
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    for bench in ("gsm8k", "mmlu", "arc", "ceval"):
        assert read_report(run_dir, "my-model", bench)["execution"]["succeeded"] > 0
