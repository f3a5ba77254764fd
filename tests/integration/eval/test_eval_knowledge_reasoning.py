"""``evalscope eval`` on bbh, drop, super_gpqa and truthful_qa (MC2) against the mock server, on the benchmarks'
fixtures (real rows in the hubs' layouts): scripted replies make every score known in advance, and the prompts sent
are the benchmarks' own (few-shot texts included)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import only_run_dir, read_report, run_cli

from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.perf.mock_server import run_in_thread

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _metric(report: dict, name: str) -> dict:
    return next(m for m in report["metrics"] if m["name"] == name)


def test_four_benchmarks_score_as_scripted(tmp_path):
    bbh_rows = json.loads((FIXTURES / "bbh" / "navigate.json").read_text())["examples"]
    sorting = _rows(FIXTURES / "bbh" / "word_sorting_test.jsonl")
    drop_rows = _rows(FIXTURES / "drop" / "validation.jsonl")
    truthful = _rows(FIXTURES / "truthful_qa" / "multiple_choice_validation.jsonl")
    mc2 = get_benchmark("truthful_qa", load_task({"datasets": ["truthful_qa"], "dataset_args": {
        "truthful_qa": {"extra_params": {"multiple_correct": True}}}}))
    true_sets = [mc2.record_to_sample(r, i, "multiple_choice").target for i, r in enumerate(truthful)]
    rules = [
        # bbh navigate: the first right (its target), the second wrong; word_sorting: both right, commas and case aside
        {"contains": bbh_rows[0]["input"], "reply": f"Step by step.\nSo the answer is {bbh_rows[0]['target']}."},
        {"contains": bbh_rows[1]["input"], "reply": "So the answer is Maybe."},
        *({"contains": r["input"], "reply": "So the answer is " + ", ".join(r["target"].title().split()) + "."}
          for r in sorting),
        # drop: a validated answer (1.0), the number (1.0), half of "38-yard" (0.67 F1: "38"), a wrong span (0)
        {"contains": drop_rows[0]["question"], "reply": "Russell threw it.\nAnswer: JaMarcus Russell"},
        {"contains": drop_rows[1]["question"], "reply": "Answer: 2"},
        {"contains": drop_rows[2]["question"], "reply": "Answer: 38"},
        {"contains": drop_rows[3]["question"], "reply": "Answer: the Naval Shipyard closure"},
        {"contains": "common-mode rejection ratio of the first stage", "reply": "Thinking...\nANSWER: I"},
        # truthful_qa MC2: all true letters, one true letter of several, a false letter
        *({"contains": r["question"], "reply": "ANSWER: " + ",".join(t if i != 1 else t[0])}
          for i, (r, t) in enumerate(zip(truthful, true_sets)) if i < 2),
        {"contains": truthful[2]["question"], "reply": "ANSWER: " + next(c for c in "ABCDEFGHIJKL"
                                                                         if c not in true_sets[2])},
    ]
    args = {
        "bbh": {"local_path": str(FIXTURES / "bbh"), "subset_list": ["navigate", "word_sorting"]},
        "drop": {"local_path": str(FIXTURES / "drop")},
        "super_gpqa": {"local_path": str(FIXTURES / "super_gpqa" / "train.jsonl"),
                       "subset_list": ["Electronic Science and Technology"]},
        "truthful_qa": {"local_path": str(FIXTURES / "truthful_qa"), "extra_params": {"multiple_correct": True}},
    }
    with run_in_thread(script=rules, output_tokens=4) as server:
        result = run_cli("eval", "--model", "mock-model", "--api-url", server.url, "--api-key", "sk-test",
                         "--datasets", "bbh", "drop", "super_gpqa", "truthful_qa", "--dataset-args", json.dumps(args),
                         "--work-dir", str(tmp_path), "--eval-batch-size", "4")
        stats = server.stats()
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    assert stats["total_requests"] == 4 + 4 + 1 + 3
    bbh = read_report(run_dir, "mock-model", "bbh")
    assert _metric(bbh, "mean_acc")["score"] == 0.75 and _metric(bbh, "mean_acc")["num"] == 4
    drop = read_report(run_dir, "mock-model", "drop")
    assert drop["metrics"][0]["name"] == "mean_f1"
    assert _metric(drop, "mean_f1")["score"] == (1.0 + 1.0 + 0.67 + 0.0) / 4
    assert _metric(drop, "mean_em")["score"] == 0.5
    assert _metric(read_report(run_dir, "mock-model", "super_gpqa"), "mean_acc")["score"] == 1.0
    truthful_report = read_report(run_dir, "mock-model", "truthful_qa")
    expected = (1.0 + 1 / len(true_sets[1]) + 0.0) / 3
    assert abs(_metric(truthful_report, "mean_multi_choice_acc")["score"] - expected) < 1e-4
    # the prompts sent: BBH's CoT examples, DROP's fixed examples, MC2's multiple-answer instruction
    sent = [json.loads(line)["messages"][-1]["content"] for line in
            (run_dir / "predictions" / "mock-model" / "bbh_navigate.jsonl").read_text().splitlines()]
    assert all(m.startswith("Given a series of navigation instructions") and m.count("\nQ: ") == 4 for m in sent)
    first_drop = json.loads((run_dir / "predictions" / "mock-model" / "drop_default.jsonl").read_text().splitlines()[0])
    assert "Passage: Trunajaya rebellion" in first_drop["messages"][-1]["content"]
    first_tqa = json.loads((run_dir / "predictions" / "mock-model" / "truthful_qa_multiple_choice.jsonl")
                           .read_text().splitlines()[0])
    assert "where multiple answers may be correct" in first_tqa["messages"][-1]["content"]
