"""VLMEvalKit's files -> Reports, on canned files shaped as ms-vlmeval 0.0.20 writes them (no vlmeval).

DocVQA's ``_acc.csv`` is one row of splits on 0-100; RealWorldQA's is a ``split`` row with
``Overall`` and categories on 0-1 (shared/notes/harness-facts.md). Reports are 0-1 either way.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from evalscope.errors import RunFailed

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "vlmevalkit"
FAIL = "Failed to obtain answer via API."


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_vlmevalkit" or m.startswith("evalscope_vlmevalkit.")]:
        del sys.modules[name]


def write(path: Path, rows: list[dict], delimiter: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)


def docvqa(tmp_path, predictions, acc=({"val": "62.5", "Overall": "62.5"},)):
    m = "qwen"
    rows = [{"index": i, "question": f"q{i}", "answer": "['x']", "prediction": p, "split": "val"}
            for i, p in enumerate(predictions)]
    write(tmp_path / m / f"{m}_DocVQA_VAL.tsv", rows, "\t")
    if acc:
        write(tmp_path / m / f"{m}_DocVQA_VAL_acc.csv", list(acc), ",")


def realworldqa(tmp_path):
    m = "qwen"
    cats = ["driving"] * 3 + ["indoor"]
    rows = [{"index": i, "question": f"q{i}", "A": "a", "B": "b", "answer": "A", "prediction": "A",
             "category": c} for i, c in enumerate(cats)]
    write(tmp_path / m / f"{m}_RealWorldQA.tsv", rows, "\t")
    write(tmp_path / m / f"{m}_RealWorldQA_acc.csv",
          [{"split": "none", "Overall": "0.75", "driving": "0.6666666666666666", "indoor": "1.0"}], ",")


def test_docvqa_anls_is_normalized_to_0_1(tmp_path):
    from evalscope_vlmevalkit.results import dataset_report

    docvqa(tmp_path, ["x", "y", "z", FAIL])
    report = dataset_report(tmp_path, "qwen", "DocVQA_VAL")
    (metric,) = report.metrics
    assert metric.name == "anls" and metric.score == pytest.approx(0.625)
    assert report.execution.requested == 4 and report.execution.errored == 1 and report.execution.succeeded == 3
    assert report.dataset_name == "DocVQA_VAL" and report.model_name == "qwen"


def test_realworldqa_accuracy_per_category_stays_0_1(tmp_path):
    from evalscope_vlmevalkit.results import dataset_report

    realworldqa(tmp_path)
    (metric,) = dataset_report(tmp_path, "qwen", "RealWorldQA").metrics
    assert metric.name == "acc" and metric.score == pytest.approx(0.75)  # weighted mean of the categories
    subsets = {s.name: (s.score, s.num) for s in metric.categories[0].subsets}
    assert subsets == {"driving": (pytest.approx(0.6667, abs=1e-4), 3), "indoor": (1.0, 1)}


def test_all_answers_failed_is_a_failure_not_zero(tmp_path):
    from evalscope_vlmevalkit.results import dataset_report

    docvqa(tmp_path, [FAIL, FAIL], acc=({"val": "0.0"},))
    with pytest.raises(RunFailed, match="every one of the 2 answers failed"):
        dataset_report(tmp_path, "qwen", "DocVQA_VAL")


def test_missing_files_are_failures(tmp_path):
    from evalscope_vlmevalkit.results import dataset_report, read_reports

    with pytest.raises(RunFailed, match="no predictions"):
        dataset_report(tmp_path, "qwen", "DocVQA_VAL")
    docvqa(tmp_path, ["x"], acc=())
    with pytest.raises(RunFailed, match="no score file"):
        dataset_report(tmp_path, "qwen", "DocVQA_VAL")
    realworldqa(tmp_path)
    reports, errors = read_reports(tmp_path, ["qwen"], ["DocVQA_VAL", "RealWorldQA"])
    assert [r.dataset_name for r in reports] == ["RealWorldQA"]
    assert len(errors) == 1 and "DocVQA_VAL" in errors[0]


def test_backend_writes_good_reports_then_fails(tmp_path):
    from evalscope_vlmevalkit.backend import VLMEvalKitBackend

    work = tmp_path / "run" / "backends" / "VLMEvalKit"
    out = work / "outputs"
    realworldqa(out)
    native = {"models": [{"name": "qwen"}], "data": ["DocVQA_VAL", "RealWorldQA"], "work_dir": str(out),
              "mode": "all"}
    with pytest.raises(RunFailed, match="DocVQA_VAL"):
        VLMEvalKitBackend().to_reports(native, work, "qwen")
    assert [p.name for p in (tmp_path / "run" / "reports").rglob("*.json")], "RealWorldQA's report is kept"


def test_samples_become_predictions_and_reviews(tmp_path):
    import json

    from evalscope_vlmevalkit.samples import write_samples

    out = tmp_path / "out"
    docvqa(out, ["INV-1", "649.92", FAIL])
    write(out / "qwen" / "qwen_DocVQA_VAL_results.tsv", [
        {"index": 0, "eval_pred": "INV-1", "eval_match": "[0.0]"},
        {"index": 1, "eval_pred": "649.92", "eval_match": "[0.16666666666666666, 0.9]"},
        {"index": 2, "eval_pred": FAIL, "eval_match": "[1.0]"}], "\t")
    assert write_samples(tmp_path / "run", out, "qwen", "DocVQA_VAL") == 3
    reviews = [json.loads(line) for line in
               (tmp_path / "run" / "reviews" / "qwen" / "DocVQA_VAL_default.jsonl").read_text().splitlines()]
    assert [r["score"] for r in reviews] == [{"anls": 1.0}, {"anls": pytest.approx(0.8333, abs=1e-4)}, {}]
    assert reviews[2]["error"] == "the answer failed" and reviews[0]["target"] == ["x"]
    preds = (tmp_path / "run" / "predictions" / "qwen" / "DocVQA_VAL_default.jsonl").read_text().splitlines()
    assert json.loads(preds[1])["output"]["content"] == "649.92" and json.loads(preds[2])["output"] is None


def test_mcq_hits_become_reviews_per_category(tmp_path):
    import json

    from evalscope_vlmevalkit.samples import write_samples

    realworldqa(tmp_path / "out")
    write(tmp_path / "out" / "qwen" / "qwen_RealWorldQA_exact_matching_result.tsv",
          [{"index": i, "hit": h, "log": "Match Log: A."} for i, h in enumerate([1, 0, 1, 1])], "\t")
    write_samples(tmp_path / "run", tmp_path / "out", "qwen", "RealWorldQA")
    driving = (tmp_path / "run" / "reviews" / "qwen" / "RealWorldQA_driving.jsonl").read_text().splitlines()
    assert [json.loads(line)["score"]["acc"] for line in driving] == [1.0, 0.0, 1.0]


def test_infer_mode_gives_unscored_reports_counting_the_answers(tmp_path):
    """``mode: infer``: answers only. Each dataset gets a Report without metrics whose execution counts
    the answers (a failed answer is errored); predictions are written, reviews are not."""
    from evalscope_vlmevalkit.backend import VLMEvalKitBackend

    work = tmp_path / "run" / "backends" / "VLMEvalKit"
    out = work / "outputs"
    docvqa(out, ["INV-1", "649.92", FAIL], acc=())
    realworldqa(out)
    (out / "qwen" / "qwen_RealWorldQA_acc.csv").unlink()
    native = {"models": [{"name": "qwen"}], "data": ["DocVQA_VAL", "RealWorldQA"], "work_dir": str(out),
              "mode": "infer"}
    reports = VLMEvalKitBackend().to_reports(native, work, "qwen")
    doc, rwq = reports
    assert doc.metrics == [] and doc.score is None and doc.extra["mode"] == "infer"
    assert (doc.execution.requested, doc.execution.succeeded, doc.execution.errored) == (3, 2, 1)
    assert {k: v.requested for k, v in rwq.execution.subsets.items()} == {"driving": 3, "indoor": 1}
    run = tmp_path / "run"
    assert len((run / "predictions" / "qwen" / "DocVQA_VAL_default.jsonl").read_text().splitlines()) == 3
    assert not (run / "reviews").exists()


def test_infer_mode_with_every_answer_failed_is_a_failure(tmp_path):
    from evalscope_vlmevalkit.backend import VLMEvalKitBackend

    work = tmp_path / "run" / "backends" / "VLMEvalKit"
    docvqa(work / "outputs", [FAIL, FAIL], acc=())
    native = {"models": [{"name": "qwen"}], "data": ["DocVQA_VAL"], "work_dir": str(work / "outputs"),
              "mode": "infer"}
    with pytest.raises(RunFailed, match="every one of the 2 answers failed"):
        VLMEvalKitBackend().to_reports(native, work, "qwen")


def test_unscored_report_has_a_row_in_the_table(tmp_path):
    from evalscope_vlmevalkit.results import infer_report

    from evalscope.report.table import score_table

    docvqa(tmp_path, ["INV-1", "649.92", FAIL], acc=())
    table = score_table([infer_report(tmp_path, "qwen", "DocVQA_VAL")])
    row = next(line for line in table.splitlines() if "DocVQA_VAL" in line and "answered" in line)
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "VLMEvalKit", "qwen", "DocVQA_VAL", "(not scored)", "answered", "2", "-"]
