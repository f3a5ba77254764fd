"""lm-eval's files -> Reports and records, on canned files shaped as lm-eval 0.4.13 writes them (no lm_eval)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.errors import RunFailed

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "lm_eval"
STAMP = "2026-12-01T23-40-00.123456"
RESULTS = {
    "results": {
        "gsm8k_local": {"alias": "gsm8k_local", "exact_match,strict-match": 0.75,
                        "exact_match_stderr,strict-match": 0.25, "exact_match,flexible-extract": 1.0,
                        "exact_match_stderr,flexible-extract": 0.0},
        "grp": {"alias": "grp", " ": " "},
        "t1": {"alias": " - t1", "acc,none": 0.5, "acc_stderr,none": 0.1},
        "t2": {"alias": " - t2", "acc,none": 1.0, "acc_stderr,none": "N/A"},
    },
    "groups": {"grp": {"alias": "grp", "acc,none": 0.8333, "acc_stderr,none": 0.05}},
    "group_subtasks": {"grp": ["t1", "t2"], "gsm8k_local": []},
    "versions": {"gsm8k_local": 1.0, "t1": 0, "t2": 0},
    "n-shot": {"gsm8k_local": 0, "t1": 0, "t2": 0},
    "n-samples": {"gsm8k_local": {"original": 10, "effective": 4}, "t1": {"original": 2, "effective": 2},
                  "t2": {"original": 4, "effective": 4}},
    "lm_eval_version": "0.4.13",
}


def sample(doc_id, flt, resp, filtered, value, target="7"):
    return {"doc_id": doc_id, "doc": {"question": "q"}, "target": target,
            "arguments": {"gen_args_0": {"arg_0": [json.dumps([{"role": "user", "content": f"Question: q{doc_id}"}])],
                                         "arg_1": {"until": ["Question:"]}}},
            "resps": [[resp]], "filtered_resps": [filtered], "filter": flt, "metrics": ["exact_match"],
            "doc_hash": f"h{doc_id}", "exact_match": value}


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_lm_eval" or m.startswith("evalscope_lm_eval.")]:
        del sys.modules[name]


@pytest.fixture()
def out(tmp_path):
    folder = tmp_path / "outputs" / "mock-model"
    folder.mkdir(parents=True)
    (folder / f"results_{STAMP}.json").write_text(json.dumps(RESULTS))
    rows = [sample(0, "strict-match", "#### 7", "7", 1.0), sample(0, "flexible-extract", "#### 7", "7", 1.0),
            sample(1, "strict-match", "so 7", "[invalid]", 0.0), sample(1, "flexible-extract", "so 7", "7", 1.0)]
    (folder / f"samples_gsm8k_local_{STAMP}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path / "outputs"


def test_task_report_keeps_every_metric_and_filter(out):
    from evalscope_lm_eval.results import latest_results, read_reports

    (rep,) = read_reports(latest_results(out), ["gsm8k_local"], "mock-model")
    assert [m.name for m in rep.metrics] == ["exact_match/strict-match", "exact_match/flexible-extract"]
    assert rep.score == 0.75 and rep.num == 4 and rep.backend == "lm-eval"
    assert rep.extra["stderr"]["gsm8k_local"] == {"exact_match/strict-match": 0.25,
                                                  "exact_match/flexible-extract": 0.0}
    assert rep.extra["lm_eval_version"] == "0.4.13"
    assert rep.execution.requested == 4


def test_group_report_has_its_leaves_as_subsets(out):
    from evalscope_lm_eval.results import latest_results, read_reports

    (rep,) = read_reports(latest_results(out), ["grp"], "m")
    (metric,) = rep.metrics
    assert metric.name == "acc"
    assert {s.name: (s.score, s.num) for s in metric.categories[0].subsets} == {"t1": (0.5, 2), "t2": (1.0, 4)}
    assert metric.score == pytest.approx((0.5 * 2 + 1.0 * 4) / 6, abs=1e-4)
    assert rep.extra["group_results"] == {"acc": 0.8333}
    assert rep.extra["stderr"]["t2"] == {}  # "N/A" is not a number


def test_missing_results_are_a_failure(tmp_path, out):
    from evalscope_lm_eval.results import latest_results, read_reports

    with pytest.raises(RunFailed, match="no results_"):
        latest_results(tmp_path / "empty")
    with pytest.raises(RunFailed, match="other_task"):
        read_reports(latest_results(out), ["other_task"], "m")


def test_samples_become_one_prediction_and_review_per_doc(out):
    from evalscope_lm_eval.records import to_records
    from evalscope_lm_eval.results import latest_results, read_samples, samples_file

    path = samples_file(latest_results(out), "gsm8k_local")
    preds, reviews = to_records(read_samples(path), "gsm8k_local", "mock-model")
    assert [p.sample_id for p in preds] == ["0", "1"]
    assert preds[1].messages[0].role == "user" and preds[1].messages[0].content == "Question: q1"
    assert preds[1].output.content == "so 7" and preds[1].target == "7"
    assert reviews[1].score == {"exact_match/strict-match": 0.0, "exact_match/flexible-extract": 1.0}
    assert reviews[1].extracted_prediction == "[invalid]"
    assert reviews[1].score_metadata["filtered"] == {"strict-match": "[invalid]", "flexible-extract": "7"}


def test_plain_text_prompts_become_one_user_message():
    from evalscope_lm_eval.records import prompt_messages

    (msg,) = prompt_messages("Question: 2+2?\nAnswer:")
    assert msg.role == "user" and msg.content == "Question: 2+2?\nAnswer:"
