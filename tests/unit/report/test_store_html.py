"""The offline HTML report: read through the run store, self-contained, secrets masked, scores shown."""

from __future__ import annotations

from test_store_fixtures import eval_run, report

from evalscope.report.html import render, write_run_html
from evalscope.report.io import write_report


def test_report_html_is_self_contained_with_scores_and_charts(tmp_path):
    run = eval_run(tmp_path)
    write_report(run / "reports", report("m", "mmlu", {"a": (0.5, 2), "b": (1.0, 2), "c": (0.25, 4)}))
    path = write_run_html(run)
    assert path == run / "reports" / "report.html"
    text = path.read_text()
    assert "<script" not in text and "src=" not in text and "<link" not in text  # nothing fetched, nothing run
    assert "demo_arith" in text and "mmlu" in text and "0.5000" in text and "0.5833" in text  # micro, macro over a, b, c
    assert text.count("<svg") == 2  # the bar chart and mmlu's radar (demo_arith has one subset: no radar)
    assert "sk-abcdefghijkl" not in text


def test_several_runs_and_escaping(tmp_path):
    a = eval_run(tmp_path, "20260101_000001", model="<script>alert(1)</script>")
    b = eval_run(tmp_path, "20260101_000002")
    text = render([a, b])
    assert text.count("<section>") == 2 and "<script>alert" not in text and "&lt;script&gt;" in text
