"""A run killed with SIGKILL and resumed with ``--use-cache`` ends with the same report as an
uninterrupted run, and never asks again for a sample that already had a prediction."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from conftest import DATASETS, need_data, only_run_dir, read_jsonl, read_report, run_cli

from evalscope.perf.mock_server import run_in_thread

N = 48


def _rules():
    rules = []
    with open(DATASETS / "gsm8k" / "test.jsonl") as f:
        for i, line in zip(range(N), f):
            row = json.loads(line)
            answer = row["answer"].split("####")[-1].strip().replace(",", "")
            reply = f"\\boxed{{{answer}}}" if i % 3 else "\\boxed{-1}"
            rules.append({"contains": row["question"], "reply": reply})
    return rules


def _args(url, work_dir, *extra):
    return ["eval", "--model", "mock-model", "--api-url", url, "--datasets", "gsm8k",
            "--dataset-args", json.dumps({"gsm8k": {"local_path": str(DATASETS / "gsm8k"), "few_shot_num": 0}}),
            "--limit", str(N), "--eval-batch-size", "4", "--work-dir", str(work_dir), *extra]


def test_kill_9_then_resume_matches_uninterrupted_run(tmp_path):
    need_data("gsm8k")
    with run_in_thread(script=_rules(), latency_ms=60) as server:
        # the uninterrupted reference run
        ref = run_cli(*_args(server.url, tmp_path / "ref"))
        assert ref.returncode == 0, ref.stderr
        reference = read_report(only_run_dir(tmp_path / "ref"), "mock-model", "gsm8k")
        server.reset()

        work = tmp_path / "killed"
        proc = subprocess.Popen([sys.executable, "-m", "evalscope", *_args(server.url, work)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        pred_file = None
        while time.time() < deadline:
            found = list(work.glob("*/predictions/mock-model/gsm8k_main.jsonl")) if work.exists() else []
            if found and len(found[0].read_text().splitlines()) >= N // 3:
                pred_file = found[0]
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert pred_file is not None, "the run never wrote predictions"
        answered_before = {r["messages"][-1]["content"] for r in read_jsonl(pred_file) if r["output"]}
        assert 0 < len(answered_before) < N
        run_dir = only_run_dir(work)
        assert not (run_dir / "reports" / "mock-model" / "gsm8k.json").exists()

        resumed = run_cli(*_args(server.url, work, "--use-cache", str(run_dir)))
        assert resumed.returncode == 0, resumed.stderr
        stats = server.stats()

    report = read_report(run_dir, "mock-model", "gsm8k")
    assert report["metrics"] == reference["metrics"]
    assert report["execution"] == reference["execution"]
    assert report["metrics"][0]["num"] == N
    counts = stats["prompts"]
    # no sample that had a prediction before the kill was asked again
    for prompt in answered_before:
        assert counts.get(prompt, 0) == 1, prompt[:60]
    # every sample was asked at least once, and only the ones in flight at the kill twice
    assert stats["total_requests"] - sum(counts.values()) == 0
    twice = [p for p, c in counts.items() if c > 1]
    assert len(twice) <= 4  # at most eval_batch_size requests were in flight
    assert sum(counts.values()) <= N + 4

    # resuming a finished run asks nothing
    with run_in_thread(script=_rules()) as server:
        again = run_cli(*_args(server.url, work, "--use-cache", str(run_dir)))
        assert again.returncode == 0, again.stderr
        assert server.stats()["total_requests"] == 0
    assert read_report(run_dir, "mock-model", "gsm8k")["metrics"] == reference["metrics"]


def test_resume_refuses_a_different_config(tmp_path):
    need_data("gsm8k")
    with run_in_thread(script=_rules()) as server:
        first = run_cli(*_args(server.url, tmp_path, "--limit", "4"))
        assert first.returncode == 0, first.stderr
        run_dir = only_run_dir(tmp_path)
        other_model = run_cli(*_args(server.url, tmp_path, "--limit", "4", "--use-cache", str(run_dir),
                                     "--model-id", "another-model"))
        other_shots = run_cli(
            "eval", "--model", "mock-model", "--api-url", server.url, "--datasets", "gsm8k", "--limit", "4",
            "--dataset-args", json.dumps({"gsm8k": {"local_path": str(DATASETS / "gsm8k"), "few_shot_num": 2}}),
            "--use-cache", str(run_dir),
        )
        other_temp = run_cli(*_args(server.url, tmp_path, "--limit", "4", "--use-cache", str(run_dir),
                                    "--generation-config", "temperature=0.7"))
        requests = server.stats()["total_requests"]
    assert requests == 4
    for result, needle in ((other_model, "model_id"), (other_shots, "few_shot_num"), (other_temp, "temperature")):
        assert result.returncode == 2, result.stderr
        assert "different config" in result.stderr and needle in result.stderr, result.stderr


def test_rerun_review_rescores_without_asking(tmp_path):
    need_data("gsm8k")
    with run_in_thread(script=_rules()) as server:
        first = run_cli(*_args(server.url, tmp_path, "--limit", "6"))
        assert first.returncode == 0, first.stderr
        run_dir = only_run_dir(tmp_path)
        server.reset()
        again = run_cli(*_args(server.url, tmp_path, "--limit", "6", "--use-cache", str(run_dir), "--rerun-review"))
        assert again.returncode == 0, again.stderr
        assert server.stats()["total_requests"] == 0
    reviews = read_jsonl(run_dir / "reviews" / "mock-model" / "gsm8k_main.jsonl")
    assert len(reviews) == 6  # rewritten, not appended to
    assert read_report(run_dir, "mock-model", "gsm8k")["metrics"][0]["score"] == round(4 / 6, 4)
