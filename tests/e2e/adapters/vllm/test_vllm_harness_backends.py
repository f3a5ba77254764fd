"""``evalscope eval --eval-type vllm --eval-backend <harness>`` as a user runs it: the real harness (its
isolated environment) evaluates against the ``vllm serve`` that evalscope started, here the stand-in
``vllm`` on PATH answering by a mock-server script, so the scores are known. Each test skips when its
harness environment (``evalscope backend install lm-eval`` / ``vlmevalkit``) is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tests" / "integration" / "adapters" / "vllm"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import vlmevalkit_data as vdata  # noqa: E402
from vllmkit import fake_vllm, wait_gone  # noqa: E402,F401

from evalscope.backend import envs  # noqa: E402

CLI = "import sys, evalscope_vllm.plugin; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"
ROWS = [  # gsm8k-format questions and the server's reply (the last one wrong)
    ("Tom has 3 apples and buys 4 more. How many apples does he have?", "7", "So 3 + 4 = 7.\n#### 7"),
    ("A box holds 6 eggs. How many eggs are in 5 boxes?", "30", "#### 30"),
    ("A train travels 60 km per hour for 2 hours. How far does it go?", "120", "#### 100"),
]
TASK = {
    "task": "gsm8k_served", "dataset_path": "json", "test_split": "test", "output_type": "generate_until",
    "doc_to_text": "Question: {{question}}\nAnswer:", "doc_to_target": "{{answer.split('####')[-1].strip()}}",
    "generation_kwargs": {"until": ["Question:"], "do_sample": False},
    "filter_list": [{"name": "strict-match", "filter": [
        {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"}, {"function": "take_first"}]}],
    "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
}


def needs(env: str):
    return pytest.mark.skipif(not envs.is_installed(env), reason=f"no {env} environment: run `evalscope backend "
                              f"install {env}` (EVALSCOPE_BACKENDS_DIR to place it)")


def scripted(folder: Path, rules: list[dict], monkeypatch) -> None:
    path = folder / "script.json"
    path.write_text(json.dumps(rules))
    monkeypatch.setenv("FAKE_VLLM_SCRIPT", str(path))


def evalscope(work: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, "eval", "--model", "org/tiny-model", "--eval-type", "vllm",
                           "--work-dir", str(work), "--no-timestamp", "--model-args", '{"max_model_len": 2048}',
                           *args], capture_output=True, text=True, timeout=timeout)


def report(work: Path, dataset: str) -> dict:
    (path,) = list(work.rglob(f"reports/*/{dataset}.json"))
    return json.loads(path.read_text())


def served_port(folder: Path) -> str:
    argv = json.loads((folder / "argv.json").read_text())
    return argv[argv.index("--port") + 1]


@needs("lm_eval")
def test_lm_eval_scores_the_launched_server(fake_vllm, monkeypatch, tmp_path):
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    data = tasks / "gsm8k_served.jsonl"
    data.write_text("".join(json.dumps({"question": q, "answer": f"... #### {a}"}) + "\n" for q, a, _ in ROWS))
    (tasks / "gsm8k_served.yaml").write_text(yaml.safe_dump({**TASK, "dataset_kwargs": {"data_files": {
        "test": str(data)}}}))
    scripted(fake_vllm, [{"contains": q, "reply": r} for q, _, r in ROWS], monkeypatch)
    work = fake_vllm / "run"
    done = evalscope(work, "--eval-backend", "lm-eval", "--datasets", "gsm8k_served", "--generation-config",
                     "temperature=0,max_tokens=48", "--eval-config",
                     json.dumps({"include_path": str(tasks), "runner": "isolated"}))
    assert done.returncode == 0, done.stderr[-3000:]
    rep = report(work, "gsm8k_served")
    assert rep["backend"] == "lm-eval" and rep["model_name"] == "tiny-model"
    assert rep["metrics"][0]["score"] == pytest.approx(2 / 3, abs=1e-3) and rep["metrics"][0]["num"] == 3
    native = json.loads((work / "backends" / "lm-eval" / "native_config.json").read_text())
    assert native["model_args"]["base_url"] == f"http://127.0.0.1:{served_port(fake_vllm)}/v1/chat/completions"
    assert native["model_args"]["model"] == "tiny-model"
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


@needs("vlmevalkit")
def test_vlmevalkit_docvqa_and_realworldqa_through_the_launched_server(fake_vllm, monkeypatch, tmp_path):
    lmu = tmp_path / "lmu"
    lmu.mkdir()
    vdata.write_docvqa(lmu)
    vdata.write_realworldqa(lmu)
    scripted(fake_vllm, vdata.script(), monkeypatch)
    work = fake_vllm / "run"
    done = evalscope(work, "--eval-backend", "VLMEvalKit", "--datasets", "DocVQA_VAL", "RealWorldQA",
                     "--dataset-dir", str(lmu), "--eval-batch-size", "4", "--generation-config",
                     "temperature=0,max_tokens=32", "--eval-config", json.dumps({"runner": "isolated"}))
    assert done.returncode == 0, done.stderr[-3000:]
    assert report(work, "DocVQA_VAL")["metrics"][0]["score"] == pytest.approx(vdata.expected_docvqa(), abs=1e-3)
    assert report(work, "RealWorldQA")["metrics"][0]["score"] == pytest.approx(
        vdata.expected_realworldqa()["Overall"], abs=1e-3)
    native = json.loads((work / "backends" / "VLMEvalKit" / "native_config.json").read_text())
    kwargs = native["models"][0]["kwargs"]
    assert kwargs["api_base"] == f"http://127.0.0.1:{served_port(fake_vllm)}/v1/chat/completions"
    assert kwargs["model"] == "tiny-model"
    assert "fake vllm serve org/tiny-model" in (work / "logs" / "vllm.log").read_text()
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))
