"""Defects of issue 8 on the eval path, each against a real server on 127.0.0.1: empty answers, echoed keys,
scoring that starved the event loop, and few-shot examples that silently disappeared."""

from __future__ import annotations

import json
import time

from aiohttp import web
from conftest import DATASETS, need_data, only_run_dir, read_jsonl, read_report, run_cli
from replies_server import RepliesServer, chat_body

from evalscope.benchmarks.demo_arith import demo_rows

ANSWERS = {r["question"]: r["answer"] for r in demo_rows()}
FIRST = demo_rows()[0]["question"]
ARGS = ("--model", "m", "--datasets", "demo_arith", "--limit", "4", "--generation-config", "retries=0")


def _empty_first(stream: bool):
    def reply(question, body):
        if question == FIRST:  # content null, or a stream of only [DONE]
            return ["[DONE]"] if stream else chat_body(None)
        if stream:
            return [{"choices": [{"index": 0, "delta": {"content": ANSWERS[question]}, "finish_reason": "stop"}]},
                    "[DONE]"]
        return chat_body(ANSWERS[question])
    return reply


def test_empty_answers_are_counted_warned_and_asked_again_on_resume(tmp_path):
    for stream in (False, True):
        work = tmp_path / f"stream{stream}"
        with RepliesServer(_empty_first(stream)) as server:
            result = run_cli("eval", *ARGS, "--api-url", server.url, "--work-dir", str(work),
                             *(["--stream"] if stream else []))
            assert result.returncode == 0, result.stderr
            assert "without any text" in result.stderr
            run_dir = only_run_dir(work)
            report = read_report(run_dir, "m", "demo_arith")
            assert report["execution"]["empty"] == 1 and report["metrics"][0]["score"] == 0.75
            again = run_cli("eval", *ARGS, "--api-url", server.url, "--use-cache", str(run_dir),
                            *(["--stream"] if stream else []))
            assert again.returncode == 0, again.stderr
        assert server.asked[FIRST] == 2 and sum(server.asked.values()) == 5  # only the empty one was re-asked


def test_keep_empty_answers_makes_them_final(tmp_path):
    with RepliesServer(_empty_first(False)) as server:
        first = run_cli("eval", *ARGS, "--api-url", server.url, "--work-dir", str(tmp_path), "--keep-empty-answers")
        assert first.returncode == 0, first.stderr
        run_dir = only_run_dir(tmp_path)
        again = run_cli("eval", *ARGS, "--api-url", server.url, "--use-cache", str(run_dir), "--keep-empty-answers")
        assert again.returncode == 0, again.stderr
    assert server.asked[FIRST] == 1


def test_a_401_echoing_the_key_is_stored_redacted(tmp_path):
    key = "sk-live-4f8a9c2e77"

    def reply(question, body):
        return web.json_response({"error": {"message": f"Incorrect API key provided: {key}. Bearer {key}"}},
                                 status=401)

    with RepliesServer(reply) as server:
        result = run_cli("eval", *ARGS, "--api-url", server.url, "--api-key", key, "--work-dir", str(tmp_path),
                         "--ignore-errors")
    assert result.returncode == 0, result.stderr
    assert key not in result.stdout + result.stderr
    run_dir = only_run_dir(tmp_path)
    records = read_jsonl(run_dir / "predictions" / "m" / "demo_arith_default.jsonl")
    assert records and all("HTTP 401" in r["error"] and "Incorrect API key" in r["error"] for r in records)
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(errors="replace"), path


def test_few_shot_from_a_missing_train_split_is_an_error_not_zero_shot(tmp_path):
    need_data("gsm8k")
    only_test = tmp_path / "gsm8k"
    only_test.mkdir()
    lines = (DATASETS / "gsm8k" / "test.jsonl").read_text().splitlines()[:2]
    (only_test / "test.jsonl").write_text("\n".join(lines) + "\n")
    args = ("eval", "--model", "mock-model", "--eval-type", "mock_llm", "--datasets", "gsm8k", "--work-dir",
            str(tmp_path / "out"))
    result = run_cli(*args, "--dataset-args", json.dumps({"gsm8k": {"local_path": str(only_test)}}))
    assert result.returncode == 2, result.stderr
    assert "few_shot_num=4" in result.stderr and "'train'" in result.stderr and "few_shot_num: 0" in result.stderr
    zero = run_cli(*args, "--dataset-args", json.dumps({"gsm8k": {"local_path": str(only_test), "few_shot_num": 0}}))
    assert zero.returncode == 0, zero.stderr


def test_slow_scoring_does_not_make_answered_requests_time_out(tmp_path):
    """A scorer that burns 0.4 s of CPU per sample while requests that take 0.15 s have a 0.6 s timeout: on the
    event loop, answers that arrived during scoring were read too late and recorded as timed out."""
    from evalscope import run_task
    from evalscope.benchmarks.base import BenchmarkMeta
    from evalscope.benchmarks.demo_arith import DemoArith
    from evalscope.perf.mock_server import run_in_thread
    from evalscope.registry import registry

    class BurnScorer:
        metrics = ("acc",)

        def score(self, sample, answers):
            from evalscope.api import Score

            end = time.perf_counter() + 0.4
            while time.perf_counter() < end:  # pure-Python CPU work, like ROUGE on a long answer
                pass
            return [Score(value={"acc": float(a.extracted == sample.target)}) for a in answers]

    class SlowScoring(DemoArith):
        meta = BenchmarkMeta(**{**DemoArith.meta.model_dump(), "name": "slow_scoring_arith"})

        def scorers(self):
            return [BurnScorer()]

    registry.register("benchmark", "slow_scoring_arith", SlowScoring, replace=True)
    script = [{"contains": q, "reply": a} for q, a in ANSWERS.items()]
    with run_in_thread(script=script, latency_ms=150) as server:
        reports = run_task({"model": "mock-model", "api_url": server.url, "datasets": ["slow_scoring_arith"],
                            "limit": 12, "eval_batch_size": 4, "work_dir": str(tmp_path),
                            "generation_config": {"timeout": 0.6, "retries": 0}})
    report = reports["slow_scoring_arith"]
    assert report.execution.errored == 0 and report.execution.succeeded == 12
    assert report.score == 1.0
