"""``evalscope eval`` against the mock server on the shared gsm8k/mmlu/arc/ceval data: the
scripted answers make every score known in advance."""

from __future__ import annotations

import csv
import json

from conftest import DATASETS, need_data, only_run_dir, read_report, run_cli

from evalscope.perf.mock_server import run_in_thread


def _jsonl(path, n):
    rows = []
    with open(path) as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


def test_gsm8k_half_right_scores_half(tmp_path):
    need_data("gsm8k")
    rows = _jsonl(DATASETS / "gsm8k" / "test.jsonl", 40)
    rules = []
    for i, row in enumerate(rows):
        answer = int(row["answer"].split("####")[-1].strip().replace(",", ""))
        given = answer if i % 2 == 0 else answer + 1
        rules.append({"contains": row["question"], "reply": f"Let me think. So the answer is \\boxed{{{given}}}."})
    with run_in_thread(script=rules, output_tokens=4) as server:
        result = run_cli(
            "eval", "--model", "mock-model", "--api-url", server.url, "--api-key", "sk-test-secret",
            "--datasets", "gsm8k", "--dataset-args", json.dumps({"gsm8k": {"local_path": str(DATASETS / "gsm8k")}}),
            "--limit", "40", "--eval-batch-size", "8", "--work-dir", str(tmp_path),
            "--generation-config", '{"temperature": 0, "max_tokens": 256}',
        )
        stats = server.stats()
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    report = read_report(run_dir, "mock-model", "gsm8k")
    assert report["metrics"][0]["name"] == "mean_acc"
    assert report["metrics"][0]["score"] == 0.5
    assert report["metrics"][0]["num"] == 40
    assert report["execution"]["errored"] == 0
    assert stats["total_requests"] == 40
    assert "mean_acc" in result.stdout and "0.5000" in result.stdout  # the score table
    # the secret never reaches the run directory
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert "sk-test-secret" not in path.read_text(errors="replace"), path
    # 4-shot prompts from the train split
    first = json.loads((run_dir / "predictions" / "mock-model" / "gsm8k_main.jsonl").read_text().splitlines()[0])
    assert first["messages"][-1]["content"].count("ANSWER: \\boxed{") == 4


def _mmlu_rows(subject, n):
    with open(DATASETS / "mmlu" / "test" / f"{subject}_test.csv", newline="") as f:
        return [r for _, r in zip(range(n), csv.reader(f))]


def test_mmlu_streaming_scores_and_categories(tmp_path):
    need_data("mmlu")
    subjects = ["abstract_algebra", "philosophy", "marketing"]  # STEM, Humanities, Other
    rules, right = [], {}
    for subject in subjects:
        rows = _mmlu_rows(subject, 10)
        right[subject] = 0
        for i, row in enumerate(rows):
            question, answer = row[0], row[5]
            correct = i < (3 if subject == "abstract_algebra" else 6)
            letter = answer if correct else "ABCD"[("ABCD".index(answer) + 1) % 4]
            right[subject] += correct
            rules.append({"contains": question.strip(), "reply": f"Reasoning...\nANSWER: {letter}"})
    with run_in_thread(script=rules, ttft_ms=5, itl_ms=1) as server:
        result = run_cli(
            "eval", "--model", "mock-model", "--api-url", server.url + "/chat/completions",
            "--datasets", "mmlu", "--stream", "--limit", "10", "--eval-batch-size", "16",
            "--dataset-args", json.dumps({"mmlu": {"local_path": str(DATASETS / "mmlu"), "subset_list": subjects}}),
            "--work-dir", str(tmp_path),
        )
    assert result.returncode == 0, result.stderr
    report = read_report(only_run_dir(tmp_path), "mock-model", "mmlu")
    metric = report["metrics"][0]
    assert metric["score"] == round((3 + 6 + 6) / 30, 4)
    cats = {tuple(c["name"]): c for c in metric["categories"]}
    assert cats[("STEM",)]["score"] == 0.3
    assert cats[("Humanities",)]["score"] == 0.6
    assert cats[("Other",)]["score"] == 0.6


def test_arc_and_ceval(tmp_path):
    need_data("arc", "ceval")
    rules = []
    expected = {}
    for subset in ("ARC-Easy", "ARC-Challenge"):
        rows = _jsonl(DATASETS / "arc" / subset / f"{subset}-Test.jsonl", 8)
        for i, row in enumerate(rows):
            labels = [c["label"] for c in row["question"]["choices"]]
            letter = "ABCDE"[labels.index(row["answerKey"])] if i % 4 != 0 else "Z"
            rules.append({"contains": row["question"]["stem"], "reply": f"ANSWER: {letter}"})
        expected[subset] = 6 / 8
    for subject in ("computer_network", "high_school_history"):
        with open(DATASETS / "ceval" / "val" / f"{subject}_val.csv", newline="") as f:
            rows = list(csv.DictReader(f))[:8]
        for i, row in enumerate(rows):
            letter = row["answer"] if i < 6 else "ABCD"[("ABCD".index(row["answer"]) + 1) % 4]
            rules.append({"contains": row["question"], "reply": f"所以答案：{letter}"})
    with run_in_thread(script=rules) as server:
        result = run_cli(
            "eval", "--model", "mock-model", "--api-url", server.url, "--datasets", "arc", "ceval",
            "--limit", "8", "--eval-batch-size", "4", "--work-dir", str(tmp_path),
            "--dataset-args", json.dumps({
                "arc": {"local_path": str(DATASETS / "arc")},
                "ceval": {"local_path": str(DATASETS / "ceval"), "subset_list": ["computer_network", "high_school_history"],
                          "few_shot_num": 2},
            }),
        )
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    arc = read_report(run_dir, "mock-model", "arc")["metrics"][0]
    subsets = {s["name"]: s["score"] for c in arc["categories"] for s in c["subsets"]}
    assert subsets == expected
    ceval = read_report(run_dir, "mock-model", "ceval")["metrics"][0]
    assert ceval["score"] == 0.75 and ceval["num"] == 16


def test_plain_completions_endpoint(tmp_path):
    from evalscope.benchmarks.demo_arith import demo_rows

    rules = [{"contains": r["question"], "reply": f" {r['answer']}"} for r in demo_rows()[:10]]
    with run_in_thread(script=rules) as server:
        for stream in (False, True):
            result = run_cli("eval", "--model", "mock-model", "--api-url", server.url + "/completions",
                             "--datasets", "demo_arith", "--limit", "10", "--work-dir", str(tmp_path / str(stream)),
                             *(["--stream"] if stream else []))
            assert result.returncode == 0, result.stderr
            report = read_report(only_run_dir(tmp_path / str(stream)), "mock-model", "demo_arith")
            assert report["metrics"][0]["score"] == 1.0
        stats = server.stats()
    assert stats["by_endpoint"] == {"completions": 20}
