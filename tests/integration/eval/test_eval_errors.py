"""Transient faults are retried; permanent ones become errored samples; bad configs get clear messages."""

from __future__ import annotations

import json

import pytest
from conftest import only_run_dir, read_jsonl, read_report, run_cli

from evalscope.perf.mock_server import run_in_thread

ARGS = ["--datasets", "demo_arith", "--eval-batch-size", "4"]


def _script(fault_for_first=None, **fault):
    """demo_arith questions answered right; ``fault`` applied to the first question's rule."""
    from evalscope.benchmarks.demo_arith import demo_rows

    rules = []
    for i, row in enumerate(demo_rows()):
        rule = {"contains": row["question"], "reply": row["answer"]}
        if i == 0 and fault:
            rule["fault"] = fault
        rules.append(rule)
    return rules


@pytest.mark.parametrize("fault,stream,resent", [
    ({"kind": "http_500", "first": 2}, False, 2),
    ({"kind": "http_429", "first": 1, "retry_after": 0.2}, False, 1),
    ({"kind": "drop", "first": 1, "after_chunks": 1}, True, 1),
    ({"kind": "drop", "first": 1}, False, 1),
    ({"kind": "malformed", "first": 1}, False, 1),
    ({"kind": "malformed", "first": 1}, True, 1),
    # a stream that has its finish_reason but no [DONE] is complete (transformers serve does this)
    ({"kind": "no_done", "first": 1}, True, 0),
])
def test_transient_faults_are_retried(tmp_path, fault, stream, resent):
    with run_in_thread(script=_script(**fault)) as server:
        result = run_cli("eval", "--model", "mock-model", "--api-url", server.url, *ARGS, "--limit", "5",
                         "--work-dir", str(tmp_path), *(["--stream"] if stream else []))
        stats = server.stats()
    assert result.returncode == 0, result.stderr
    report = read_report(only_run_dir(tmp_path), "mock-model", "demo_arith")
    assert report["metrics"][0]["score"] == 1.0
    assert stats["total_requests"] == 5 + resent  # the faulty question was re-sent


def test_permanent_failure_stops_the_run_and_keeps_what_was_written(tmp_path):
    with run_in_thread(script=_script(kind="http_500")) as server:
        result = run_cli("eval", "--model", "mock-model", "--api-url", server.url, *ARGS, "--limit", "6",
                         "--generation-config", "retries=1", "--work-dir", str(tmp_path))
    assert result.returncode == 1
    assert "demo_arith: 1 sample(s) failed" in result.stderr and "HTTP 500" in result.stderr
    assert "--ignore-errors" in result.stderr and "--use-cache" in result.stderr
    run_dir = only_run_dir(tmp_path)
    preds = read_jsonl(run_dir / "predictions" / "mock-model" / "demo_arith_default.jsonl")
    errored = [p for p in preds if p["error"]]
    assert len(errored) == 1 and "after 2 attempts" in errored[0]["error"]


def test_ignore_errors_counts_failures_as_errored(tmp_path):
    with run_in_thread(script=_script(kind="http_500")) as server:
        result = run_cli("eval", "--model", "mock-model", "--api-url", server.url, *ARGS, "--limit", "6",
                         "--generation-config", "retries=0", "--ignore-errors", "--work-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = read_report(only_run_dir(tmp_path), "mock-model", "demo_arith")
    assert report["execution"] == {"requested": 6, "succeeded": 5, "errored": 1, "empty": 0,
                                   "subsets": {"default": {"requested": 6, "succeeded": 5, "errored": 1, "empty": 0}}}
    assert report["metrics"][0]["score"] == 1.0 and report["metrics"][0]["num"] == 5
    assert "errored" in result.stdout


def test_client_errors_are_not_retried(tmp_path):
    with run_in_thread(script=_script(), strict_model=True) as server:
        result = run_cli("eval", "--model", "no-such-model", "--api-url", server.url, *ARGS, "--limit", "3",
                         "--ignore-errors", "--work-dir", str(tmp_path))
        stats = server.stats()
    assert result.returncode == 0, result.stderr
    assert stats["by_status"].get("404", stats["by_status"].get("400", 0)) == 3  # one request per sample
    preds = read_jsonl(only_run_dir(tmp_path) / "predictions" / "no-such-model" / "demo_arith_default.jsonl")
    assert len(preds) == 3 and all(p["error"].startswith("HTTP 4") for p in preds)


@pytest.mark.parametrize("config,message", [
    ({"datsets": ["gsm8k"]}, "unknown key in task config: 'datsets'. Did you mean 'datasets'"),
    ({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"few_shot_nm": 2}}},
     "(dataset_args.gsm8k): 'few_shot_nm'. Did you mean 'few_shot_num'"),
    ({"datasets": ["gsm8kk"]}, "unknown benchmark 'gsm8kk'. Did you mean 'gsm8k'"),
    ({"datasets": ["gsm8k"], "generation_config": {"max_token": 5}}, "Did you mean 'max_tokens'"),
    ({"datasets": ["gsm8k"], "dataset_args": {"gsm8": {}}}, "dataset_args: unknown benchmark 'gsm8'"),
    ({"datasets": ["gsm8k"], "eval_batch_size": 0}, "eval_batch_size"),
    ({"datasets": ["gsm8k"], "limit": 1.5}, "limit must be a count"),
    ({"datasets": ["gsm8k"], "eval_type": "openai_api"}, "needs --api-url"),
    ({"datasets": ["gsm8k"], "eval_backend": "Nativ"}, "unknown backend 'Nativ'. Did you mean 'Native'"),
    ({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"filters": {"regexx": "a"}}}},
     "unknown filter 'regexx'. Did you mean 'regex'"),
])
def test_config_errors_name_the_key(tmp_path, config, message):
    path = tmp_path / "task.yaml"
    path.write_text(json.dumps({**config, "work_dir": str(tmp_path / "out")}))
    result = run_cli("eval", "--config", str(path))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_task_config_yaml_round_trips_with_secrets_masked(tmp_path):
    with run_in_thread(script=_script()) as server:
        result = run_cli("eval", "--model", "mock-model", "--api-url", server.url, *ARGS, "--limit", "2",
                         "--api-key", "sk-very-secret", "--generation-config",
                         '{"extra_headers": {"X-Api-Token": "tok-secret", "X-Trace": "1"}}',
                         "--work-dir", str(tmp_path / "a"))
        assert result.returncode == 0, result.stderr
        saved = only_run_dir(tmp_path / "a") / "configs" / "task_config.yaml"
        text = saved.read_text()
        assert "sk-very-secret" not in text and "tok-secret" not in text and "X-Trace" in text
        again = run_cli("eval", "--config", str(saved), "--work-dir", str(tmp_path / "b"))
        assert again.returncode == 0, again.stderr
    assert read_report(only_run_dir(tmp_path / "b"), "mock-model", "demo_arith")["metrics"][0]["score"] == 1.0


def test_no_timestamp_never_mixes_into_an_existing_run(tmp_path):
    args = ["eval", "--datasets", "demo_arith", "--limit", "2", "--no-timestamp", "--work-dir", str(tmp_path)]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "reports" / "mock-model" / "demo_arith.json").exists()
    second = run_cli(*args)
    assert second.returncode == 2
    assert "already holds a run" in second.stderr and "--use-cache" in second.stderr
    resumed = run_cli(*args, "--use-cache", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr


def test_runs_started_in_the_same_second_get_their_own_directories(tmp_path):
    from evalscope.run import run_task

    for _ in range(3):
        run_task({"datasets": ["demo_arith"], "limit": 1, "work_dir": str(tmp_path)})
    assert len([d for d in tmp_path.iterdir() if d.is_dir()]) == 3
