"""Repeats on a sampled benchmark that is not code: the aggregations EvalScope names (pass@k, vote@k = maj@k,
pass^k) over one sample's repeats of aime24 and of an MCQ set, scored through the engine's ``SampleScorer``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evalscope.api import ModelOutput, ScoringContext
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"


def _aggregated(name: str, args: dict, file: str, subset: str, replies: list[str], aggregation: str):
    task = load_task({"datasets": [name], "repeats": len(replies),
                      "dataset_args": {name: {"local_path": str(FIXTURES / name), "aggregation": aggregation,
                                              **args}}})
    b = get_benchmark(name, task)
    sample = b.record_to_sample(json.loads((FIXTURES / name / file).read_text().splitlines()[0]), 0, subset)
    scorer = SampleScorer(b, [], executor=None, context=ScoringContext(task=task, benchmark=name))
    preds = [PredictionRecord(sample_id=sample.id, repeat=i, subset=subset, model="m", input_hash="h", messages=[],
                              target=sample.target, output=ModelOutput(content=r)) for i, r in enumerate(replies)]
    reviews = asyncio.run(scorer.review(sample, subset, preds))
    assert [r.error for r in reviews] == [None] * len(replies)
    return aggregate(resolve(b.aggregation), [r.score for r in reviews], [r.extracted_prediction for r in reviews])


def test_aime_vote_and_pass_hat_over_four_repeats():
    # target 024: right, wrong, wrong (the same wrong answer twice), right in another form
    replies = ["\\boxed{24}", "\\boxed{25}", "so \\boxed{25}", "\\boxed{024}"]
    vote = _aggregated("aime24", {}, "test.jsonl", "default", replies, "mean_and_vote_at_k")
    assert vote["mean_acc"] == 0.5
    # vote@2: a tie, the first seen (24) wins; vote@3, vote@4: 25 has two votes ("24" and "024" are two strings)
    assert [vote[f"mean_acc_vote@{k}"] for k in (1, 2, 3, 4)] == [1.0, 1.0, 0.0, 0.0]
    hat = _aggregated("aime24", {}, "test.jsonl", "default", replies, "mean_and_pass_hat_k")
    assert hat["mean_acc_pass^1"] == pytest.approx(0.5)
    assert hat["mean_acc_pass^2"] == pytest.approx(1 / 6)  # C(2,2)/C(4,2)
    assert hat["mean_acc_pass^3"] == 0.0
    at = _aggregated("aime24", {}, "test.jsonl", "default", replies, "mean_and_pass_at_k")
    assert at["mean_acc_pass@2"] == pytest.approx(5 / 6) and at["mean_acc_pass@3"] == 1.0


def test_multiple_choice_vote_over_three_repeats():
    row = json.loads((FIXTURES / "arc" / "ARC-Easy_test.jsonl").read_text().splitlines()[0])
    wrong = next(letter for letter in "ABCD" if letter != row["answerKey"])
    replies = [f"ANSWER: {wrong}", f"ANSWER: {row['answerKey']}", f"ANSWER: {row['answerKey']}"]
    vote = _aggregated("arc", {"subset_list": ["ARC-Easy"]}, "ARC-Easy_test.jsonl", "ARC-Easy", replies,
                       "mean_and_vote_at_k")
    assert vote["mean_acc"] == pytest.approx(2 / 3)
    assert [vote[f"mean_acc_vote@{k}"] for k in (1, 2, 3)] == [0.0, 0.0, 1.0]
