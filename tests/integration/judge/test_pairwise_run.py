"""Pairwise-judged benchmarks in a real run: model and judge are the project's mock server on loopback.

arena_hard: both games asked per answer (baseline first, then swapped), each game's prompt, raw reply and label in
the review, win_rate from the battles of the whole subset; alpaca_eval: one game, the baseline shown as ``m``; a
judge reply without a label is an errored review; without judge_model_args the run is refused before any request.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.errors import ConfigError
from evalscope.perf.mock_server import run_in_thread
from evalscope.run import run_task

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"
MODEL_SCRIPT = [{"contains": "ABC notation", "reply": "X:1 a good folk tune"},
                {"contains": "SOLVE THIS IN C++", "reply": "No idea."},
                {"contains": "Broadway", "reply": "Hugh Jackman, Sarah Jessica Parker."},
                {"contains": "US states", "reply": "No idea."}]
ARENA_JUDGE = [
    # the folk tune: the model wins swapped strongly, ties baseline-first -> 3 wins, 1 tie
    {"contains": "<|The Start of Assistant A's Answer|>\nX:1 a good folk tune", "reply": "Clearly [[A>>B]]"},
    {"contains": "<|The Start of Assistant B's Answer|>\nX:1 a good folk tune", "reply": "[[A=B]]"},
    # C++: the model loses both games slightly -> 2 losses
    {"contains": "<|The Start of Assistant A's Answer|>\nNo idea.", "reply": "[[B>A]]"},
    {"contains": "<|The Start of Assistant B's Answer|>\nNo idea.", "reply": "[[A>B]]"},
]


def task(name: str, work: Path, model_url: str, judge_url: str | None, **extra) -> dict:
    cfg = {"model": "m", "api_url": model_url, "datasets": [name], "work_dir": str(work), "no_timestamp": True,
           "dataset_args": {name: {"local_path": str(FIXTURES / name)}}, "generation_config": {"retries": 0}}
    if judge_url:
        cfg["judge_model_args"] = {"model_id": "judge-1", "api_url": judge_url, "generation_config": {"retries": 0}}
    return {**cfg, **extra}


def rows(work: Path, name: str, subset: str) -> dict[str, dict]:
    path = work / "reviews" / "m" / f"{name}_{subset}.jsonl"
    return {r["sample_id"]: r for r in map(json.loads, path.read_text().splitlines())}


def metrics(work: Path, name: str) -> dict[str, float]:
    report = json.loads((work / "reports" / "m" / f"{name}.json").read_text())
    return {m["name"]: m["score"] for m in report["metrics"]}


def test_arena_hard_plays_both_orders_and_scores_the_battles(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(script=ARENA_JUDGE) as judge:
        run_task(task("arena_hard", tmp_path, model.url, judge.url, judge_worker_num=2))
        assert judge.stats()["by_endpoint"] == {"chat": 4}  # two answers x two games
    got = rows(tmp_path, "arena_hard", "default")
    tune = got["328c149ed45a41c0b9d6f14659e63599"]
    assert tune["score"] == {"score": (0.5 + 1.0) / 2, "wins": 3.0, "ties": 1.0, "losses": 0.0}
    games = tune["score_metadata"]["judge"]["games"]
    assert [(g["order"], g["label"]) for g in games] == [("baseline_first", "A=B"), ("candidate_first", "A>>B")]
    assert games[0]["prompt"].index("ABC notation") < games[0]["prompt"].index("X:1\nT:Untitled Folk Tune") \
        < games[0]["prompt"].index("X:1 a good folk tune")  # baseline first: the baseline is assistant A
    assert games[1]["reply"] == "Clearly [[A>>B]]"
    cpp = got["b43c07656ead4150b360294ee932b410"]["score"]
    assert cpp == {"score": 0.25, "wins": 0.0, "ties": 0.0, "losses": 2.0}
    # battles: 3 wins, 1 tie, 2 losses -> (3 + 0.5) / 6
    values = metrics(tmp_path, "arena_hard")
    assert list(values)[0] == "win_rate" and values["win_rate"] == pytest.approx(0.5833)
    assert values["mean_score"] == pytest.approx((0.75 + 0.25) / 2)
    # resumed with both servers gone: the predictions from the run, every game's verdict from the judge cache
    run_task(task("arena_hard", tmp_path, "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", use_cache=str(tmp_path),
                  rerun_review=True))
    again = rows(tmp_path, "arena_hard", "default")["328c149ed45a41c0b9d6f14659e63599"]
    assert again["score"] == tune["score"]
    assert all(g["cached"] for g in again["score_metadata"]["judge"]["games"])
    assert len((tmp_path / "judge" / "arena_hard.jsonl").read_text().splitlines()) == 4


def test_alpaca_eval_one_game_baseline_as_m(tmp_path):
    judge_script = [{"contains": '"output": "No idea."', "reply": "m"}, {"contains": "Best Model", "reply": "M"}]
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(script=judge_script) as judge:
        run_task(task("alpaca_eval", tmp_path, model.url, judge.url))
    got = rows(tmp_path, "alpaca_eval", "alpaca_eval_gpt4_baseline")
    assert got["0"]["score"] == {"win_rate": 1.0} and got["1"]["score"] == {"win_rate": 0.0}
    (game,) = got["0"]["score_metadata"]["judge"]["games"]
    prompt = game["prompt"]
    assert prompt.index('"model_identifier": "m"') < prompt.index("Several famous actors") \
        < prompt.index('"model_identifier": "M"') < prompt.index("Hugh Jackman, Sarah")
    assert metrics(tmp_path, "alpaca_eval")["mean_win_rate"] == pytest.approx(0.5)


def test_a_reply_without_a_label_is_an_errored_review(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model, run_in_thread(default_reply="Both are fine.") as judge:
        run_task(task("arena_hard", tmp_path, model.url, judge.url, ignore_errors=True))
    got = rows(tmp_path, "arena_hard", "default")
    assert all("no verdict" in (r["error"] or "") and not r["score"] for r in got.values())


def test_no_judge_is_refused_before_any_request(tmp_path):
    with run_in_thread(script=MODEL_SCRIPT) as model:
        with pytest.raises(ConfigError, match="judge_model_args"):
            run_task(task("alpaca_eval", tmp_path, model.url, None))
        assert model.stats()["total_requests"] == 0
