"""Every registered benchmark, on the contract: it loads its fixture from local files, builds prompts, and
its scorers give the primary metric's expected value to a right and a wrong scripted answer.

A judge-graded benchmark's case gives ``judge_script``: the rules of the project's mock OpenAI server on 127.0.0.1
that plays the judge (first match wins, matched on the judge prompt). Its answers are then graded by that judge;
each review must record the judge's prompt, raw reply and verdict, and a judge that fails (HTTP 500) must give an
errored review, not a score.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from evalscope.api import ModelOutput, ScoringContext
from evalscope.benchmarks import benchmark_names, get_benchmark
from evalscope.config import load_task
from evalscope.filters import build_filters
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.native.engine import BenchmarkRun
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer
from evalscope.perf.mock_server import run_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"


def _case(name: str) -> dict:
    path = FIXTURES / name / "case.yaml"
    assert path.exists(), f"benchmark {name!r} has no fixture: add {path} (see {FIXTURES / 'README.md'})"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _plan(name: str, case: dict, tmp_path: Path, judge_url: str | None = None):
    args = dict(case.get("dataset_args") or {})
    if not case.get("builtin"):
        args["local_path"] = str(FIXTURES / name)
    config = {"datasets": [name], "dataset_args": {name: args}, "work_dir": str(tmp_path), "limit": 5}
    if judge_url:
        config["judge_model_args"] = {"model": "judge", "api_url": judge_url, "generation_config": {"retries": 0}}
    task = load_task(config)
    benchmark = get_benchmark(name, task)
    from evalscope.display import NullDisplay
    from evalscope.run_dir import RunDir

    plans = BenchmarkRun(benchmark, task, model=None, run_dir=RunDir(tmp_path / "run"), display=NullDisplay()).plan()
    return benchmark, plans, task


def _review(benchmark, task, sample, subset: str, reply: str):
    context = ScoringContext(task=task, benchmark=benchmark.name) if task.judge_model_args.configured else None
    scorer = SampleScorer(benchmark, build_filters(benchmark.args.filters), executor=None, context=context)
    prediction = PredictionRecord(sample_id=sample.id, subset=subset, model="m", input_hash="h", messages=[],
                                  target=sample.target, output=ModelOutput(content=reply))

    async def run():
        try:
            return await scorer.review(sample, subset, [prediction])
        finally:
            await scorer.aclose()

    (review,) = asyncio.run(run())
    return review


def _primary(benchmark, task, sample, subset: str, reply: str, metric: str | None) -> float:
    review = _review(benchmark, task, sample, subset, reply)
    assert review.error is None, review.error
    if task.judge_model_args.configured:
        _assert_judge_recorded(review.score_metadata.get("judge") or {})
    values = aggregate(resolve(benchmark.aggregation), [review.score], [review.extracted_prediction])
    derived = benchmark.subset_metrics(values)  # one answer: its values are its subset's totals
    return {**values, **derived}[metric or next(iter(derived), f"mean_{benchmark.metric_list[0]}")]


def _assert_judge_recorded(record: dict) -> None:
    games = record.get("games") or [record]
    assert games and record.get("by") == "llm" and record.get("verdict"), record
    for game in games:
        assert game.get("prompt") and game.get("reply") and (game.get("verdict") or game.get("label")), game


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_loads_prompts_and_scores(name, tmp_path):
    case = _case(name)
    if "judge_script" not in case:
        return _check(name, case, tmp_path, None)
    with run_in_thread(script=case["judge_script"]) as judge:
        _check(name, case, tmp_path, judge.url)
        judge.update_config(script=[{"regex": ".", "fault": {"kind": "http_500"}}])
        benchmark, plans, task = _plan(name, case, tmp_path / "failing", judge.url)
        plan = plans[0]
        review = _review(benchmark, task, plan.samples[0], plan.name, case["wrong"])
        assert review.error and "judge" in review.error and not review.score, review


def _check(name: str, case: dict, tmp_path: Path, judge_url: str | None) -> None:
    benchmark, plans, task = _plan(name, case, tmp_path, judge_url)
    samples = [(p, s) for p in plans for s in p.samples]
    assert samples, f"{name}: the fixture gave no samples"
    prompts = []
    for plan, sample in samples:
        messages = benchmark.build_messages(sample, plan.few_shots)
        assert messages and messages[-1].role == "user" and messages[-1].text.strip()
        prompts.append("\n".join(m.text for m in messages))
    for needle in case.get("expect_in_prompt", []):
        assert any(needle in p for p in prompts), f"{name}: {needle!r} is in no prompt"
    for plan, sample in samples:
        right = case["right"].format(target=sample.target_text)
        metric = case.get("metric")
        got = _primary(benchmark, task, sample, plan.name, right, metric)
        assert got == pytest.approx(case["primary"]["right"]), right
        wrong = _primary(benchmark, task, sample, plan.name, case["wrong"], metric)
        assert wrong == pytest.approx(case["primary"]["wrong"])
