"""``evalscope eval --eval-backend lm-eval`` end to end against the project's mock server.

A custom ``generate_until`` task (a YAML with ``dataset_path: json`` + ``data_files``, found with
``include_path``) on four gsm8k-format rows; the mock answers three right and one wrong, so
lm-eval's ``exact_match`` is 0.75. Needs the environment of ``evalscope backend install lm-eval``
(~0.8 GB): the test skips with the reason when it is absent. The core's CLI runs it isolated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

KEY = "sk-lmeval-secret-3"
ROWS = [  # gsm8k's format; the mock's reply per question (the last one wrong)
    ("Tom has 3 apples and buys 4 more. How many apples does he have?", "7", "So 3 + 4 = 7.\n#### 7"),
    ("A box holds 6 eggs. How many eggs are in 5 boxes?", "30", "6 * 5 = 30\n#### 30"),
    ("Sara reads 12 pages a day for 3 days. How many pages does she read?", "36", "#### 36"),
    ("A train travels 60 km per hour for 2 hours. How far does it go?", "120", "I think\n#### 100"),
]
TASK = {
    "task": "gsm8k_local", "dataset_path": "json", "test_split": "test", "output_type": "generate_until",
    "doc_to_text": "Question: {{question}}\nAnswer:", "doc_to_target": "{{answer.split('####')[-1].strip()}}",
    "generation_kwargs": {"until": ["Question:"], "do_sample": False},
    "filter_list": [{"name": "strict-match", "filter": [
        {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"}, {"function": "take_first"}]}],
    "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
}


def _env_installed() -> bool:
    from evalscope.backend import envs

    return envs.is_installed("lm_eval")


pytestmark = pytest.mark.skipif(not _env_installed(), reason="no lm-eval environment: run "
                                "`evalscope backend install lm-eval` (EVALSCOPE_BACKENDS_DIR to place it)")


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm_tasks")
    data = folder / "gsm8k_local.jsonl"
    data.write_text("".join(json.dumps({"question": q, "answer": f"... #### {a}"}) + "\n" for q, a, _ in ROWS))
    (folder / "gsm8k_local.yaml").write_text(yaml.safe_dump(
        {**TASK, "dataset_kwargs": {"data_files": {"test": str(data)}}}))
    missing = {**TASK, "task": "gsm8k_missing", "dataset_kwargs": {"data_files": {"test": str(folder / "no.jsonl")}}}
    (folder / "gsm8k_missing.yaml").write_text(yaml.safe_dump(missing))
    mcq = {"task": "mcq_local", "dataset_path": "json", "test_split": "test", "output_type": "multiple_choice",
           "dataset_kwargs": {"data_files": {"test": str(data)}}, "doc_to_text": "{{question}}",
           "doc_to_choice": ["a", "b"], "doc_to_target": 0, "metric_list": [{"metric": "acc"}]}
    (folder / "mcq_local.yaml").write_text(yaml.safe_dump(mcq))
    return folder


@pytest.fixture()
def server():
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(script=[{"contains": q, "reply": r} for q, _, r in ROWS]) as s:
        yield s


def run(args: list[str], work: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVALSCOPE_BACKEND_RUNNER": "isolated"}
    return subprocess.run([sys.executable, "-m", "evalscope.cli.main", "eval", "--work-dir", str(work),
                           "--no-timestamp", *args], capture_output=True, text=True, timeout=timeout, env=env)


def report(work: Path, task: str) -> dict:
    (path,) = list(work.rglob(f"reports/*/{task}.json"))
    return json.loads(path.read_text())


def unified(server, tasks_dir, task="gsm8k_local", backend="lm-eval") -> list[str]:
    return ["--eval-backend", backend, "--model", "mock-model", "--api-url", f"{server.root}/v1",
            "--api-key", KEY, "--datasets", task, "--eval-batch-size", "2",
            "--generation-config", "temperature=0,max_tokens=48",
            "--eval-config", json.dumps({"include_path": str(tasks_dir)})]


def test_unified_flags_score_the_custom_task(tmp_path, server, tasks_dir):
    work = tmp_path / "out"
    done = run(unified(server, tasks_dir), work)
    assert done.returncode == 0, done.stderr[-3000:]
    rep = report(work, "gsm8k_local")
    assert rep["backend"] == "lm-eval"
    assert rep["metrics"][0]["name"] == "exact_match/strict-match"
    assert rep["metrics"][0]["score"] == pytest.approx(0.75)
    assert rep["metrics"][0]["num"] == 4
    assert rep["extra"]["lm_eval_version"] == "0.4.13"
    assert server.stats()["total_requests"] == 4
    (reviews,) = list(work.rglob("reviews/*/gsm8k_local_default.jsonl"))
    rows = [json.loads(line) for line in reviews.read_text().splitlines()]
    assert sorted(r["score"]["exact_match/strict-match"] for r in rows) == [0.0, 1.0, 1.0, 1.0]
    assert {r["extracted_prediction"] for r in rows} == {"7", "30", "36", "100"}
    (preds,) = list(work.rglob("predictions/*/gsm8k_local_default.jsonl"))
    first = json.loads(preds.read_text().splitlines()[0])
    assert first["messages"] == [{"role": "user", "content": f"Question: {ROWS[0][0]}\nAnswer:"}]
    for path in work.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".log", ".yaml", ".txt", ".jsonl", ".py"):
            assert KEY not in path.read_text(errors="replace"), path


def test_alias_and_loglikelihood_refused_before_any_request(tmp_path, server, tasks_dir):
    done = run(unified(server, tasks_dir, task="mcq_local", backend="lm_eval"), tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "mcq_local" in done.stderr and "loglikelihood" in done.stderr and "local-completions" in done.stderr
    assert server.stats()["total_requests"] == 0


def test_missing_dataset_fails_fast_naming_it(tmp_path, server, tasks_dir):
    done = run(unified(server, tasks_dir, task="gsm8k_missing"), tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "gsm8k_missing" in done.stderr
    assert server.stats()["total_requests"] == 0


def test_dead_server_is_a_failed_job_not_a_zero(tmp_path, tasks_dir):
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread() as s:
        root = s.root
    dead = type("S", (), {"root": root})()
    args = unified(dead, tasks_dir)
    args[-1] = json.dumps({"include_path": str(tasks_dir), "max_retries": 1})
    work = tmp_path / "out"
    done = run(args, work, timeout=300)
    assert done.returncode != 0
    assert not list(work.rglob("reports/*/gsm8k_local.json"))


def test_what_lm_eval_sends_model_temperature_max_tokens(tmp_path, tasks_dir):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "eval"))
    from replies_server import RepliesServer, chat_body

    bodies: list[dict] = []

    def reply(question: str, body: dict) -> dict:
        bodies.append(body)
        return chat_body("#### 7")

    with RepliesServer(reply) as s:
        done = run(unified(type("S", (), {"root": s.url[: -len("/v1")]})(), tasks_dir), tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(bodies) == 4
    assert {b["model"] for b in bodies} == {"mock-model"}
    assert {b["temperature"] for b in bodies} == {0.0} and {b["max_tokens"] for b in bodies} == {48}
    assert report(tmp_path / "out", "gsm8k_local")["metrics"][0]["score"] == pytest.approx(0.25)
