"""``judge_strategy`` on rule-scored benchmarks (EvalScope's ``llm`` / ``llm_recall`` for math and multiple choice),
through the engine's ``SampleScorer`` with a worker-thread executor and the project's mock server on 127.0.0.1 as the
judge: which answers reach the judge, what the judge's verdict sets, what each review records, and failures."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evalscope.api import ModelOutput, ScoringContext
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.errors import ConfigError
from evalscope.metrics.reference_judge import parse_correct
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer
from evalscope.perf.mock_server import run_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"
# the judge says CORRECT only for the word "twenty-four", INCORRECT otherwise
JUDGE = [{"contains": "Predicted answer: It is twenty-four.", "reply": "A"}, {"regex": ".", "reply": "B: INCORRECT"}]


def _setup(name: str, subset_args: dict, url: str | None, strategy: str):
    config = {"datasets": [name], "dataset_args": {name: {"local_path": str(FIXTURES / name), **subset_args}},
              "judge_strategy": strategy}
    if url:
        config["judge_model_args"] = {"model": "judge", "api_url": url, "generation_config": {"retries": 0}}
    task = load_task(config)
    return task, get_benchmark(name, task)


def _reviews(task, benchmark, sample, replies):
    scorer = SampleScorer(benchmark, [], executor=ThreadPoolExecutor(2),
                          context=ScoringContext(task=task, benchmark=benchmark.name))
    preds = [PredictionRecord(sample_id=sample.id, repeat=i, subset="default", model="m", input_hash="h",
                              messages=[], target=sample.target, output=ModelOutput(content=r))
             for i, r in enumerate(replies)]

    async def run():
        try:
            return await scorer.review(sample, "default", preds)
        finally:
            await scorer.aclose()

    return asyncio.run(run()), scorer


def _aime_sample(benchmark):
    import json

    row = json.loads((FIXTURES / "aime24" / "test.jsonl").read_text().splitlines()[0])  # answer "024"
    return benchmark.record_to_sample(row, 0, "default")


def test_parse_correct():
    assert parse_correct("A") is True and parse_correct("B") is False
    assert parse_correct("**A**: CORRECT") is True and parse_correct("The answer is INCORRECT.") is False
    assert parse_correct("It is correct") is True and parse_correct("no idea") is None


def test_llm_recall_asks_the_judge_only_what_the_rule_rejects():
    with run_in_thread(script=JUDGE) as judge:
        task, b = _setup("aime24", {}, judge.url, "llm_recall")
        sample = _aime_sample(b)
        reviews, scorer = _reviews(task, b, sample, ["So \\boxed{24}.", "It is twenty-four.", "\\boxed{25}"])
        asked = judge.stats()["total_requests"]
    assert [r.error for r in reviews] == [None] * 3
    assert [r.score["acc"] for r in reviews] == [1.0, 1.0, 0.0]
    assert asked == 2  # the rule accepted the first: not asked
    first, second, third = (r.score_metadata for r in reviews)
    assert first["judge"] == {"strategy": "llm_recall", "by": "rule", "verdict": "CORRECT"}
    assert first["equivalence"] in {"string", "math_verify"}  # the rule's own record kept
    judged = second["judge"]
    assert judged["by"] == "llm" and judged["verdict"] == "CORRECT" and judged["rule_verdict"] == "INCORRECT"
    assert "Gold target: 024" in judged["prompt"] and "Predicted answer: It is twenty-four." in judged["prompt"]
    assert judged["reply"] == "A" and reviews[1].explanation == "A"
    assert third["judge"]["verdict"] == "INCORRECT" and third["judge"]["reply"] == "B: INCORRECT"
    assert scorer.scoring_hash != SampleScorer(get_benchmark("aime24", load_task({"datasets": ["aime24"]})), [],
                                               None).scoring_hash  # a judged review is not a rule one on resume


def test_llm_lets_the_judge_overrule_the_rule_on_multiple_choice():
    import json

    with run_in_thread(script=[{"regex": ".", "reply": "B"}]) as judge:
        task, b = _setup("arc", {"subset_list": ["ARC-Easy"]}, judge.url, "llm")
        row = json.loads((FIXTURES / "arc" / "ARC-Easy_test.jsonl").read_text().splitlines()[0])
        sample = b.record_to_sample(row, 0, "ARC-Easy")
        reviews, _ = _reviews(task, b, sample, [f"ANSWER: {sample.target_text}"])
        asked = judge.stats()["total_requests"]
    (review,) = reviews
    assert asked == 1 and review.error is None
    assert review.score["acc"] == 0.0  # the rule said right; under "llm" the judge decides
    assert review.score_metadata["judge"]["rule_verdict"] == "CORRECT"
    prompt = review.score_metadata["judge"]["prompt"]  # the options and the key's text are shown
    key = sample.target_text
    assert f"{key}) {sample.choices[ord(key) - 65]}" in prompt.split("Gold target: ")[1]
    assert all(f") {choice}" in prompt for choice in sample.choices)


@pytest.mark.parametrize("fault", [{"regex": ".", "fault": {"kind": "http_500"}}, {"regex": ".", "reply": "hmm"}])
def test_a_judge_that_fails_gives_an_errored_review(fault):
    with run_in_thread(script=[fault]) as judge:
        task, b = _setup("aime24", {}, judge.url, "llm_recall")
        reviews, _ = _reviews(task, b, _aime_sample(b), ["\\boxed{7}"])
    assert reviews[0].error and "Judge" in reviews[0].error and reviews[0].score == {}


@pytest.mark.parametrize("strategy", ["auto", "rule"])
def test_auto_and_rule_keep_the_rule_even_with_a_judge_configured(strategy):
    with run_in_thread(script=JUDGE) as judge:
        task, b = _setup("aime24", {}, judge.url, strategy)
        reviews, scorer = _reviews(task, b, _aime_sample(b), ["It is twenty-four.", "\\boxed{24}"])
        asked = judge.stats()["total_requests"]
    assert asked == 0 and [r.score["acc"] for r in reviews] == [0.0, 1.0]
    assert "judge" not in reviews[0].score_metadata
    rule_only = SampleScorer(b, [], None).scoring_hash
    assert scorer.scoring_hash == rule_only  # runs made before this feature are not re-scored


@pytest.mark.parametrize("strategy", ["llm", "llm_recall"])
def test_judge_strategies_without_a_judge_are_refused(strategy):
    task, b = _setup("aime24", {}, None, strategy)
    with pytest.raises(ConfigError, match="judge_model_args"):
        SampleScorer(b, [], None, context=ScoringContext(task=task, benchmark="aime24"))


def test_a_run_with_llm_recall_records_caches_and_resumes(tmp_path):
    """aime24 end to end (model and judge on the mock server): the rule accepts one answer, the judge another;
    the judge's replies land in the run's cache and a resumed run with both servers gone grades alike."""
    import json

    from evalscope.run import run_task

    model_script = [{"contains": "2^{10}", "reply": "It is twenty-four."},  # target 024: only the judge accepts it
                    {"regex": ".", "reply": "\\boxed{6}"}]
    config = {"model": "m", "datasets": ["aime24"], "work_dir": str(tmp_path), "no_timestamp": True,
              "dataset_args": {"aime24": {"local_path": str(FIXTURES / "aime24")}}, "limit": 2,
              "judge_strategy": "llm_recall", "generation_config": {"retries": 0}}

    def judged(url_model: str, url_judge: str, **extra) -> dict:
        return {**config, "api_url": url_model, **extra,
                "judge_model_args": {"model": "judge-1", "api_url": url_judge, "api_key": "sk-judge-SECRET",
                                     "generation_config": {"retries": 0}}}

    def reviews() -> dict:
        (path,) = (tmp_path / "reviews" / "m").glob("aime24_*.jsonl")
        return {r["sample_id"]: r for r in map(json.loads, path.read_text().splitlines())}

    with run_in_thread(script=model_script) as model, run_in_thread(script=JUDGE) as judge:
        run_task(judged(model.root + "/v1", judge.root + "/v1"))
        asked = judge.stats()["total_requests"]
    got = reviews()
    assert asked == 1 and len(got) == 2  # the second row's answer (6) is right by rule: not asked
    by = {r["score_metadata"]["judge"]["by"]: r for r in got.values()}
    assert by["llm"]["score"]["acc"] == 1.0 and by["llm"]["score_metadata"]["judge"]["cached"] is False
    assert by["rule"]["score"]["acc"] == 1.0
    assert len((tmp_path / "judge" / "aime24.jsonl").read_text().splitlines()) == 1
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert "sk-judge-SECRET" not in path.read_text(errors="replace"), path
    run_task(judged("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1", use_cache=str(tmp_path), rerun_review=True))
    again = reviews()
    assert {k: r["score"]["acc"] for k, r in again.items()} == {k: 1.0 for k in got}
    assert [r["score_metadata"]["judge"].get("cached") for r in again.values() if r["error"] is None].count(True) == 1
