"""alpaca_eval and arena_hard: verdict parsing, the games' orientation, and Arena-Hard's score as EvalScope computes it."""

from __future__ import annotations

import pytest

from evalscope.benchmarks.alpaca_eval import AlpacaEvalJudge, parse_identifier
from evalscope.benchmarks.arena_hard import (
    ArenaHardJudge,
    bradley_terry_win_rate,
    candidate_battles,
    parse_battle_label,
)
from evalscope.judge import Game


@pytest.mark.parametrize("reply, label", [
    ("M", "M"), ("m", "m"), (" `M` ", "M"), ('"m".', "m"), ("**M**", "M"),
    ("After comparing both outputs, the better one is\nM", "M"),
    ('{"model_identifier": "m"}', "m"),
    ("My answer is model M, or maybe m", None),  # two identifiers: no verdict
    ("The first model is more helpful.", None),  # a lowercase m in prose is not a verdict
    ("", None),
])
def test_alpaca_identifier(reply, label):
    assert parse_identifier(reply) == label


@pytest.mark.parametrize("reply, label", [
    ("... My final verdict is tie: [[A=B]]", "A=B"),
    ("Assistant B is better: [[B>>A]]. Again: [[B>>A]]", "B>>A"),
    ("verdict [A>B]", "A>B"),
    ("[[A>B]] but then [[B>A]]", None),  # labels that disagree
    ("[[A>>>B]]", None),  # not one of the five
    ("no label at all", None),
])
def test_arena_label(reply, label):
    assert parse_battle_label(reply) == label


def test_arena_games_are_read_from_the_models_side():
    # baseline first: the model is B
    assert candidate_battles("B>>A", "baseline_first") == ("win", 3)
    assert candidate_battles("A>B", "baseline_first") == ("loss", 1)
    # swapped: the model is A
    assert candidate_battles("A>>B", "candidate_first") == ("win", 3)
    assert candidate_battles("B>A", "candidate_first") == ("loss", 1)
    assert candidate_battles("A=B", "candidate_first") == ("tie", 1)
    games = [Game(order="baseline_first", prompt="p", reply="[[B>A]]", label="B>A"),
             Game(order="candidate_first", prompt="p", reply="[[A=B]]", label="A=B")]
    verdict = ArenaHardJudge().combine(games)
    assert verdict.value == {"score": (0.75 + 0.5) / 2, "wins": 1.0, "ties": 1.0, "losses": 0.0}


def _evalscope_elo_win_rate(wins: float, ties: float, losses: float) -> float:
    """EvalScope's computation spelled out: battles (model_a = baseline), duplicated, ties as one win each, a
    logistic regression without intercept; here solved by Newton's method on the one free parameter."""
    import math

    rows = [1.0] * int(losses) + [0.0] * int(wins) + ["tie"] * int(ties)
    doubled = rows + rows
    y = [1.0 if r == 1.0 else 0.0 for r in doubled]
    for i, r in enumerate(doubled):
        if r == "tie":
            y[i] = 1.0 if i < len(rows) else 0.0
    if len(set(y)) < 2:
        d = 400 if all(v == 1.0 for v in y) else -400  # baseline Elo minus model Elo
    else:
        w = 0.0  # coefficient difference; X = +ln10 for every row
        for _ in range(100):
            p = 1 / (1 + math.exp(-math.log(10) * w))
            grad = sum(math.log(10) * (v - p) for v in y)
            hess = -len(y) * math.log(10) ** 2 * p * (1 - p)
            w -= grad / hess
        d = 400 * w
    return round(1 / (1 + 10 ** (d / 400)), 4)


@pytest.mark.parametrize("wins, ties, losses", [(3, 1, 2), (6, 0, 0), (0, 0, 4), (1, 4, 3), (9, 2, 1), (0, 2, 0)])
def test_bradley_terry_closed_form_equals_the_fit(wins, ties, losses):
    assert bradley_terry_win_rate(wins, ties, losses) == _evalscope_elo_win_rate(wins, ties, losses)


def test_no_battles_no_win_rate():
    assert bradley_terry_win_rate(0, 0, 0) is None


def test_alpaca_position_swap_splits_a_disagreement():
    judge = AlpacaEvalJudge(position_swap=True)
    assert judge.orders == ("baseline_first", "candidate_first")
    agree = [Game(order="baseline_first", prompt="p", reply="M", label="M"),
             Game(order="candidate_first", prompt="p", reply="m", label="m")]
    split = [Game(order="baseline_first", prompt="p", reply="M", label="M"),
             Game(order="candidate_first", prompt="p", reply="M", label="M")]
    assert judge.combine(agree).value == {"win_rate": 1.0}
    assert judge.combine(split).value == {"win_rate": 0.5} and judge.combine(split).label == "tie"
    assert AlpacaEvalJudge().orders == ("baseline_first",)


def test_report_puts_the_battles_win_rate_first():
    from evalscope.benchmarks import get_benchmark
    from evalscope.config import load_task
    from evalscope.native.aggregate import Tally, build_report

    benchmark = get_benchmark("arena_hard", load_task({"datasets": ["arena_hard"]}))
    tally = Tally()
    subset = tally.subset("default")
    for values in ({"mean_score": 0.875, "mean_wins": 4.0, "mean_ties": 0.0, "mean_losses": 0.0},
                   {"mean_score": 0.25, "mean_wins": 0.0, "mean_ties": 0.0, "mean_losses": 2.0},
                   {"mean_score": 0.5, "mean_wins": 1.0, "mean_ties": 0.0, "mean_losses": 1.0}):
        subset.add_sample(values)
    report = build_report(benchmark, "m", tally)
    assert [m.name for m in report.metrics][:2] == ["win_rate", "mean_score"]
    assert report.score == round(5 / 8, 4) and report.metrics[0].num == 3  # 5 of 8 battles; not a mean of ratios
    assert report.metrics[1].score == round((0.875 + 0.25 + 0.5) / 3, 4)


def _plan(name: str, root, tmp_path):
    from evalscope.benchmarks import get_benchmark
    from evalscope.config import load_task
    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    task = load_task({"datasets": [name], "dataset_args": {name: {"local_path": str(root)}},
                      "judge_model_args": {"model": "j", "api_url": "http://127.0.0.1:9/v1"}})
    run = BenchmarkRun(get_benchmark(name, task), task, model=None, run_dir=RunDir(tmp_path / "run"),
                       display=NullDisplay())
    return run.plan()


ALPACA_ROW = {"dataset": "helpful_base", "instruction": "How did US states get their names?",
              "output": "The names of U.S. states come from a variety of sources.", "generator": "gpt4_1106_preview"}


@pytest.mark.parametrize("layout", ["hub_json", "subset_folder"])
def test_alpaca_eval_reads_the_hub_layouts(tmp_path, layout):
    import json

    root = tmp_path / "alpaca_eval"
    if layout == "hub_json":
        root.mkdir()
        (root / "alpaca_eval_gpt4_baseline.json").write_text(json.dumps([ALPACA_ROW]))
    else:
        (root / "alpaca_eval_gpt4_baseline").mkdir(parents=True)
        (root / "alpaca_eval_gpt4_baseline" / "eval.jsonl").write_text(json.dumps(ALPACA_ROW) + "\n")
    (plan,) = _plan("alpaca_eval", root, tmp_path)
    (sample,) = plan.samples
    assert (sample.input_text, sample.target_text) == (ALPACA_ROW["instruction"], ALPACA_ROW["output"])
    assert sample.metadata == {"generator": "gpt4_1106_preview", "dataset": "helpful_base"}


def test_arena_hard_row_without_the_baseline_answer_is_named(tmp_path):
    import json

    from evalscope.errors import DatasetError

    root = tmp_path / "arena"
    root.mkdir()
    (root / "test.jsonl").write_text(json.dumps({"question_id": "q1", "question": "Hi?"}) + "\n")
    with pytest.raises(DatasetError, match="missing field 'prediction'"):
        _plan("arena_hard", root, tmp_path)
