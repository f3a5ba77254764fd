"""The example task configs in configs/ validate, and the Native ones run (against the mock server)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import DATASETS, only_run_dir, read_report, run_cli

from evalscope.config import load_task
from evalscope.perf.mock_server import run_in_thread

CONFIGS = sorted((Path(__file__).resolve().parents[3] / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_example_config_validates(path):
    data = yaml.safe_load(path.read_text())
    if data.get("eval_backend", "Native") == "Native" and "tool" not in data:
        load_task(path)


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
