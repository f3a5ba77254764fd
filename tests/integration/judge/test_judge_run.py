"""The LLM judge in a real run: model and judge are the project's mock server on loopback.

simple_qa graded by the judge (prompt, raw reply and verdict in the reviews), resumed from the judge cache with
the judge gone, a failing judge giving errored reviews (not wrong answers), and the rule strategy without one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.perf.mock_server import run_in_thread
from evalscope.run import run_task

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks" / "simple_qa"
MODEL_SCRIPT = [{"contains": "capital city of Australia", "reply": "That would be Canberra."},
                {"contains": "atomic number 79", "reply": "Silver."}]
JUDGE_SCRIPT = [{"contains": "Gold target: Canberra", "reply": "A"},
                {"contains": "Gold target: Gold", "reply": "B"}]


def task(work: Path, model_url: str, judge_url: str | None, **extra) -> dict:
    cfg = {"model": "m", "api_url": model_url, "datasets": ["simple_qa"], "work_dir": str(work), "no_timestamp": True,
           "dataset_args": {"simple_qa": {"local_path": str(FIXTURE)}}, "generation_config": {"retries": 0}}
    if judge_url:
        cfg["judge_model_args"] = {"model_id": "judge-1", "api_url": judge_url, "api_key": "sk-judge-SECRET",
                                   "generation_config": {"retries": 0, "temperature": 0}}
    return {**cfg, **extra}


def reviews(work: Path) -> list[dict]:
    path = work / "reviews" / "m" / "simple_qa_default.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def report_values(work: Path) -> dict:
    data = json.loads((work / "reports" / "m" / "simple_qa.json").read_text())
    return json.dumps(data)


def test_judge_grades_records_and_resumes_from_its_cache(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(script=JUDGE_SCRIPT) as judge:
        run_task(task(tmp_path, model.root + "/v1", judge.root + "/v1", judge_worker_num=4))
    got = {r["sample_id"]: r for r in reviews(tmp_path)}
    assert got["0"]["score"] == {"is_correct": 1.0, "is_incorrect": 0.0, "is_not_attempted": 0.0}
    assert got["1"]["score"] == {"is_correct": 0.0, "is_incorrect": 1.0, "is_not_attempted": 0.0}
    record = got["0"]["score_metadata"]["judge"]
    assert record["verdict"] == "CORRECT" and record["reply"] == "A" and record["model"] == "judge-1"
    assert "Predicted answer: That would be Canberra." in record["prompt"] and record["cached"] is False
    cache = (tmp_path / "judge" / "simple_qa.jsonl").read_text().splitlines()
    assert len(cache) == 2
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert "sk-judge-SECRET" not in path.read_text(errors="replace"), path
    # resumed with both servers gone: predictions from the run, verdicts from the judge cache
    run_task(task(tmp_path, "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", use_cache=str(tmp_path),
                  rerun_review=True))
    again = {r["sample_id"]: r for r in reviews(tmp_path)}
    assert again["0"]["score"]["is_correct"] == 1.0 and again["1"]["score"]["is_incorrect"] == 1.0
    assert again["0"]["score_metadata"]["judge"]["cached"] is True


def test_a_failing_judge_is_an_errored_review_not_a_wrong_answer(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(
            script=[{"contains": "Gold target", "fault": {"kind": "http_500"}}]) as judge:
        run_task(task(tmp_path, model.root + "/v1", judge.root + "/v1", ignore_errors=True))
    rows = reviews(tmp_path)
    assert len(rows) == 2 and all(r["error"] and "judge" in r["error"] for r in rows)
    assert all(not r["score"] for r in rows)
    data = json.loads((tmp_path / "reports" / "m" / "simple_qa.json").read_text())
    assert '"errored": 2' in json.dumps(data)


def test_judge_reply_without_verdict_is_an_error(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(
            script=[{"contains": "Gold target", "reply": "Hmm, hard to say."}]) as judge:
        run_task(task(tmp_path, model.root + "/v1", judge.root + "/v1", ignore_errors=True))
    assert all("no verdict" in (r["error"] or "") for r in reviews(tmp_path))


def test_rule_strategy_needs_no_judge_and_llm_strategy_demands_one(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model:
        run_task(task(tmp_path / "rule", model.root + "/v1", None, judge_strategy="rule"))
        got = {r["sample_id"]: r["score"]["is_correct"] for r in reviews(tmp_path / "rule")}
        assert got == {"0": 1.0, "1": 0.0}
        from evalscope.errors import ConfigError

        with pytest.raises(ConfigError, match="judge_model_args"):
            run_task(task(tmp_path / "llm", model.root + "/v1", None, judge_strategy="llm"))
