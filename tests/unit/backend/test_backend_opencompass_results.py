"""OpenCompass's result files -> Reports and per-sample records (pure; no opencompass import).

The files are canned in the shape ms-opencompass 0.1.6 writes with ``--dump-eval-details``
(``results/<model>/<abbr>.json`` on 0-100 with ``details``, ``predictions/<model>/<abbr>.json``,
``logs/infer/<model>/<abbr>.out``), as seen in a real run against the mock server.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.errors import RunFailed

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "opencompass"


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_opencompass" or m.startswith("evalscope_opencompass.")]:
        del sys.modules[name]


def put(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def arc_run(root: Path, model: str = "qwen") -> Path:
    """ARC-c, 4 samples, AccEvaluator (details without ``correct``): 3 right."""
    run = root / "20261201_234500"
    answers, golds = ["A", "B", "Z", "D"], ["A", "B", "C", "D"]
    put(run / "results" / model / "ARC-c.json", {"accuracy": 75.0, "details": {
        **{str(i): {"prompt": f"Question: q{i}\nA. x\nAnswer:", "origin_prediction": a,
                    "predictions": a if a != "Z" else "", "references": g} for i, (a, g) in enumerate(zip(answers, golds))},
    }})
    put(run / "predictions" / model / "ARC-c.json", {str(i): {"origin_prompt": f"Question: q{i}\nA. x\nAnswer:",
                                                              "prediction": a, "gold": g}
                                                     for i, (a, g) in enumerate(zip(answers, golds))})
    return run


def test_one_abbr_becomes_a_0_1_report_keeping_the_file_scale(tmp_path):
    from evalscope_opencompass.results import latest_run, model_dataset_report

    run = arc_run(tmp_path / "out")
    assert latest_run(tmp_path / "out") == run
    rep = model_dataset_report(run, "qwen", "ARC_c", {"ARC-c": 4}, "ARC_c/ARC_c_gen_1e0de5")
    assert rep.name == "qwen@ARC_c" and rep.dataset_name == "ARC_c" and rep.dataset_pretty_name == "ARC-c"
    assert rep.metrics[0].name == "accuracy" and rep.score == 0.75 and rep.num == 4
    assert rep.backend == "OpenCompass" and rep.extra["scores_0_100"] == {"accuracy": 75.0}
    assert rep.metrics[0].categories[0].subsets[0].name == "default"
    assert rep.execution.requested == 4 and rep.execution.succeeded == 4


def test_a_config_with_many_abbrs_makes_one_subset_each(tmp_path):
    from evalscope_opencompass.results import model_dataset_report

    run = tmp_path / "r"
    for abbr, acc, n in (("lukaemon_mmlu_anatomy", 50.0, 2), ("lukaemon_mmlu_virology", 100.0, 6)):
        put(run / "results" / "m" / f"{abbr}.json", {"accuracy": acc})
        put(run / "predictions" / "m" / f"{abbr}.json", {str(i): {"origin_prompt": "q", "prediction": "A",
                                                                  "gold": "A"} for i in range(n)})
    rep = model_dataset_report(run, "m", "mmlu", {"lukaemon_mmlu_anatomy": 2, "lukaemon_mmlu_virology": 6})
    subsets = rep.metrics[0].categories[0].subsets
    assert [(s.name, s.score, s.num) for s in subsets] == [("lukaemon_mmlu_anatomy", 0.5, 2),
                                                           ("lukaemon_mmlu_virology", 1.0, 6)]
    assert rep.score == pytest.approx((0.5 * 2 + 1.0 * 6) / 8) and rep.metrics[0].categories[0].macro_score == 0.75
    assert rep.dataset_pretty_name == "mmlu"


def test_split_prediction_files_are_joined_in_order(tmp_path):
    from evalscope_opencompass.results import read_predictions

    run = tmp_path / "r"
    put(run / "predictions" / "m" / "gsm8k_1.json", {"0": {"prediction": "c"}, "1": {"prediction": "d"}})
    put(run / "predictions" / "m" / "gsm8k_0.json", {"1": {"prediction": "b"}, "0": {"prediction": "a"}})
    put(run / "predictions" / "m" / "gsm8k_extra_0.json", {"0": {"prediction": "not mine"}})
    assert [r["prediction"] for r in read_predictions(run, "m", "gsm8k")] == ["a", "b", "c", "d"]


def test_no_result_an_error_or_no_number_is_a_failure_quoting_the_task_log(tmp_path):
    from evalscope_opencompass.results import collect_reports

    run = arc_run(tmp_path / "out")
    put(run / "results" / "qwen" / "gsm8k.json", {"error": "no predictions"})
    put(run / "results" / "qwen" / "empty.json", {"details": []})
    log = run / "logs" / "infer" / "qwen" / "mmlu_x.out"
    log.parent.mkdir(parents=True)
    log.write_text("loading\nRuntimeError: the model server did not answer after 3 attempt(s)\n")
    plan = {"ARC_c": {"ARC-c": 4}, "gsm8k": {"gsm8k": 4}, "e": {"empty": 1}, "mmlu": {"mmlu_x": 3}}
    reports, errors = collect_reports(run, ["qwen"], plan)
    assert [r.dataset_name for r in reports] == ["ARC_c"]
    assert len(errors) == 3
    assert "qwen on gsm8k" in errors[0] and "evaluation failed: no predictions" in errors[0]
    assert "empty" in errors[1] and "no score" in errors[1]
    assert "mmlu_x" in errors[2] and "did not run" in errors[2] and "did not answer after 3" in errors[2]
    assert str(log) in errors[2]


def test_an_empty_work_dir_is_a_failure(tmp_path):
    from evalscope_opencompass.results import latest_run

    (tmp_path / "oc_out").mkdir()
    with pytest.raises(RunFailed, match="produced nothing"):
        latest_run(tmp_path / "oc_out")
    with pytest.raises(RunFailed, match="produced nothing"):
        latest_run(tmp_path / "missing")


def test_records_take_the_evaluators_verdict_else_the_string_match(tmp_path):
    from evalscope_opencompass.records import to_records
    from evalscope_opencompass.results import details, read_predictions

    run = arc_run(tmp_path)
    rows = read_predictions(run, "qwen", "ARC-c")
    data = json.loads((run / "results" / "qwen" / "ARC-c.json").read_text())
    preds, reviews = to_records(rows, details(data), "qwen", "default", "accuracy", "ARC-c")
    assert [r.score["accuracy"] for r in reviews] == [1.0, 1.0, 0.0, 1.0]
    assert [r.extracted_prediction for r in reviews] == ["A", "B", "", "D"]
    assert reviews[2].prediction == "Z" and reviews[2].target == "C"
    assert {r.score_metadata["correct_from"] for r in reviews} == {"string match"}
    assert preds[0].messages[0].role == "user" and preds[0].messages[0].content.startswith("Question: q0")
    assert preds[0].output.content == "A" and preds[0].target == "A" and preds[0].sample_id == "0"

    gsm = [{"predictions": "18", "references": "18", "correct": True},
           {"predictions": "NULL", "references": "3", "correct": False}]
    _, reviews = to_records([{"origin_prompt": [{"role": "HUMAN", "prompt": "Q1"}, {"role": "BOT", "prompt": "A1"},
                                                {"role": "HUMAN", "prompt": "Q2"}], "prediction": "18", "gold": "18"},
                             {"origin_prompt": "Q", "prediction": "?", "gold": "3"}], gsm, "m", "default", "accuracy",
                            "gsm8k")
    assert [r.score["accuracy"] for r in reviews] == [1.0, 0.0]
    assert {r.score_metadata["correct_from"] for r in reviews} == {"evaluator"}
    # custom MCQ (OptionSimAccEvaluator): its own detail keys, kept as they come
    mcq = [{"pred": "The answer is B", "parsed": "B", "refr": "B", "correct": True}]
    _, reviews = to_records([{"origin_prompt": "Q", "prediction": "The answer is B", "gold": "B"}], mcq, "m", "d",
                            "accuracy", "my_mcq")
    assert reviews[0].score == {"accuracy": 1.0} and reviews[0].extracted_prediction == "B"
    preds, reviews = to_records([{"origin_prompt": "Q", "prediction": "x", "gold": "y"}], [], "m", "d", "acc", "a")
    assert reviews[0].score == {} and "correct_from" not in reviews[0].score_metadata


def test_chat_prompts_keep_their_roles():
    from evalscope_opencompass.records import prompt_messages

    msgs = prompt_messages([{"role": "SYSTEM", "prompt": "Be brief."}, {"role": "HUMAN", "prompt": "Q"},
                            {"role": "BOT", "prompt": "A"}])
    assert [(m.role, m.content) for m in msgs] == [("system", "Be brief."), ("user", "Q"), ("assistant", "A")]


def _native(tmp_path: Path, ignore_errors: bool) -> dict:
    scratch = tmp_path / "run" / "backends" / "OpenCompass"
    arc_run(scratch / "outputs")
    put(scratch / "plan.json", {"ARC_c": {"ARC-c": 4}, "gsm8k": {"gsm8k": 4}})
    return {"scratch_dir": str(scratch), "work_dir": str(scratch / "outputs"), "run_dir": str(tmp_path / "run"),
            "models": [{"abbr": "qwen"}], "datasets": [{"name": "ARC_c", "config": "ARC_c/ARC_c_gen_1e0de5"},
                                                       {"name": "gsm8k", "config": "gsm8k/gsm8k_gen_1d7fe4"}],
            "ignore_errors": ignore_errors}


def test_a_dataset_without_score_fails_the_job_unless_ignore_errors(tmp_path, caplog):
    from evalscope_opencompass.backend import OpenCompassBackend

    native = _native(tmp_path, ignore_errors=False)
    with pytest.raises(RunFailed, match=r"(?s)1 dataset run\(s\) produced no score.*qwen on gsm8k"):
        OpenCompassBackend().to_reports(native, Path(native["scratch_dir"]), "qwen")
    native = _native(tmp_path / "again", ignore_errors=True)
    with caplog.at_level("WARNING"):
        (rep,) = OpenCompassBackend().to_reports(native, Path(native["scratch_dir"]), "qwen")
    assert rep.dataset_name == "ARC_c" and rep.score == 0.75 and "qwen on gsm8k" in caplog.text
    run = Path(native["run_dir"])
    reviews = [json.loads(line) for line in (run / "reviews" / "qwen" / "ARC_c_default.jsonl").read_text().splitlines()]
    assert [r["score"]["accuracy"] for r in reviews] == [1.0, 1.0, 0.0, 1.0]
    assert len((run / "predictions" / "qwen" / "ARC_c_default.jsonl").read_text().splitlines()) == 4


def test_a_run_that_never_started_is_a_failure(tmp_path):
    from evalscope_opencompass.backend import OpenCompassBackend

    native = _native(tmp_path, ignore_errors=True)
    Path(native["scratch_dir"], "plan.json").unlink()
    with pytest.raises(RunFailed, match="did not start"):
        OpenCompassBackend().to_reports(native, Path(native["scratch_dir"]), "qwen")
