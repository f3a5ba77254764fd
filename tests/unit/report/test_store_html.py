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


def test_errored_and_wrong_samples_bounded_with_a_note(tmp_path, monkeypatch):
    from test_store_fixtures import prediction, review, write_jsonl

    from evalscope.report import html_samples

    monkeypatch.setattr(html_samples, "MAX_PER_KIND", 3)
    run = eval_run(tmp_path, n=0)
    write_jsonl(run / "predictions" / "m" / "demo_arith_default.jsonl",
                [prediction(i, error="HTTP 500 <boom>" if i == 1 else None) for i in range(10)])
    write_jsonl(run / "reviews" / "m" / "demo_arith_default.jsonl",
                [review(i, 1.0 if i % 2 == 0 else 0.0, judge_reasoning=f"off by {i}") for i in range(10) if i != 1])
    text = render([run])
    assert "<script" not in text and "<img" not in text and "<link" not in text
    assert "1 errored" in text and "HTTP 500 &lt;boom&gt;" in text and "<b>Error</b>" in text
    assert "4 wrong" in text and "the first 3 of 4" in text  # s-3, s-5, s-7, s-9 (s-1 errored, no review)
    blocks = text.split("<details><summary>")[1:]
    shown = [b.split("<code>")[1].split("</code>")[0] for b in blocks if "<code>s-" in b.split("</summary>")[0]]
    assert shown == ["s-1", "s-3", "s-5", "s-7"]
    assert "off by 3" in text and "question 3" in text


def test_a_run_with_nothing_wrong_says_so(tmp_path):
    run = eval_run(tmp_path, n=2)
    from test_store_fixtures import review, write_jsonl

    write_jsonl(run / "reviews" / "m" / "demo_arith_default.jsonl", [review(i, 1.0) for i in range(2)])
    assert "No errored or wrong sample." in render([run])
