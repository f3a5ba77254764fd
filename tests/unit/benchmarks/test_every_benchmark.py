"""Every registered benchmark, on the contract: it loads its fixture from local files, builds prompts, and
its scorers give the primary metric's expected value to a right and a wrong scripted answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from evalscope.api import ModelOutput
from evalscope.benchmarks import benchmark_names, get_benchmark
from evalscope.config import load_task
from evalscope.filters import build_filters
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.native.engine import BenchmarkRun
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"


def _case(name: str) -> dict:
    path = FIXTURES / name / "case.yaml"
    assert path.exists(), f"benchmark {name!r} has no fixture: add {path} (see {FIXTURES / 'README.md'})"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _plan(name: str, case: dict, tmp_path: Path):
    args = dict(case.get("dataset_args") or {})
    if not case.get("builtin"):
        args["local_path"] = str(FIXTURES / name)
    task = load_task({"datasets": [name], "dataset_args": {name: args}, "work_dir": str(tmp_path), "limit": 5})
    benchmark = get_benchmark(name, task)
    from evalscope.display import NullDisplay
    from evalscope.run_dir import RunDir

    plans = BenchmarkRun(benchmark, task, model=None, run_dir=RunDir(tmp_path / "run"), display=NullDisplay()).plan()
    return benchmark, plans


def _primary(benchmark, sample, subset: str, reply: str, metric: str | None) -> float:
    scorer = SampleScorer(benchmark, build_filters(benchmark.args.filters), executor=None)
    prediction = PredictionRecord(sample_id=sample.id, subset=subset, model="m", input_hash="h", messages=[],
                                  target=sample.target, output=ModelOutput(content=reply))
    (review,) = asyncio.run(scorer.review(sample, subset, [prediction]))
    assert review.error is None, review.error
    values = aggregate(resolve(benchmark.aggregation), [review.score], [review.extracted_prediction])
    return values[metric or f"mean_{benchmark.metric_list[0]}"]


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_loads_prompts_and_scores(name, tmp_path):
    case = _case(name)
    benchmark, plans = _plan(name, case, tmp_path)
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
        assert _primary(benchmark, sample, plan.name, right, metric) == pytest.approx(case["primary"]["right"]), right
        wrong = _primary(benchmark, sample, plan.name, case["wrong"], metric)
        assert wrong == pytest.approx(case["primary"]["wrong"])
