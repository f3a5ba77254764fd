"""A user's own data (EvalScope's general_mcq / general_qa formats) and own model class, via the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def _cli(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "evalscope", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def _report(work: Path, model: str, bench: str) -> dict:
    (run_dir,) = list(work.iterdir())
    return json.loads((run_dir / "reports" / model / f"{bench}.json").read_text())


MODEL = textwrap.dedent('''
    from evalscope.models import ModelOutput

    class Oracle:
        """Answers from a lookup table given in model_args; a plain (sync) generate."""
        def __init__(self, answers):
            self.answers = answers
            self.model_name = "oracle"

        def generate(self, messages, config):
            prompt = messages[-1].content
            for needle, reply in self.answers.items():
                if needle in prompt:
                    return ModelOutput(content=reply)
            return "I do not know"
''')


def test_general_mcq_with_a_custom_model_class(tmp_path):
    data = tmp_path / "mcq"
    data.mkdir()
    (data / "example_val.csv").write_text(
        "id,question,A,B,C,D,answer\n1,Capital of France?,Paris,Rome,Oslo,Bern,A\n"
        "2,2+2?,3,4,5,6,B\n3,Largest planet?,Mars,Venus,Jupiter,Earth,C\n4,Color of sky?,Red,Green,Blue,Pink,C\n")
    (data / "other_val.jsonl").write_text(json.dumps(
        {"id": "x", "question": "Is water wet?", "A": "yes", "B": "no", "answer": "A"}) + "\n")
    (tmp_path / "my_models.py").write_text(MODEL)
    answers = {"France": "答案：A", "2+2": "答案：B", "planet": "答案：D", "sky": "答案：C", "water": "答案：A"}
    result = _cli("eval", "--model", "my_models:Oracle", "--eval-type", "custom",
                  "--model-args", json.dumps({"answers": answers}), "--datasets", "general_mcq",
                  "--dataset-args", json.dumps({"general_mcq": {"local_path": str(data)}}),
                  "--work-dir", str(tmp_path / "out"), env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    report = _report(tmp_path / "out", "Oracle", "general_mcq")
    subsets = {s["name"]: s["score"] for c in report["metrics"][0]["categories"] for s in c["subsets"]}
    assert subsets == {"example": 0.75, "other": 1.0}


def test_general_qa_bleu_rouge_with_the_mock_model(tmp_path):
    data = tmp_path / "qa"
    data.mkdir()
    rows = [{"query": "What is the capital of China?", "response": "The capital of China is Beijing"},
            {"system": "Be short.", "query": "What is 1+1?", "response": "2"}]
    (data / "example.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = _cli("eval", "--model", "mock", "--eval-type", "mock_llm",
                  "--model-args", json.dumps({"reply": "The capital of China is Beijing"}),
                  "--datasets", "general_qa", "--dataset-args", json.dumps({"general_qa": {"local_path": str(data)}}),
                  "--work-dir", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    report = _report(tmp_path / "out", "mock", "general_qa")
    scores = {m["name"]: m["score"] for m in report["metrics"]}
    assert scores["mean_Rouge-L-R"] == 0.5  # one exact answer, one with no overlap
    assert scores["mean_bleu-1"] == 0.5
    (run_dir,) = list((tmp_path / "out").iterdir())
    preds = [json.loads(line) for line in (run_dir / "predictions" / "mock" / "general_qa_example.jsonl").open()]
    system_msgs = [p["messages"][0] for p in preds if p["messages"][0]["role"] == "system"]
    assert system_msgs == [{"role": "system", "content": "Be short."}]


def test_bad_custom_model_spec_is_a_clear_error(tmp_path):
    result = _cli("eval", "--model", "no_such_module:Model", "--eval-type", "custom", "--datasets", "demo_arith",
                  "--work-dir", str(tmp_path))
    assert result.returncode == 2
    assert "cannot import module 'no_such_module'" in result.stderr


def test_python_api_takes_a_model_object_and_a_list_of_tasks(tmp_path):
    from evalscope import TaskConfig, run_task
    from evalscope.benchmarks.demo_arith import demo_rows
    from evalscope.models import ModelOutput

    answers = {r["question"]: r["answer"] for r in demo_rows()}

    class Calculator:
        model_name = "calc"

        async def generate(self, messages, config):
            question = messages[-1].content.split("\n")[0]
            return ModelOutput(content=answers[question])

    task = TaskConfig(model=Calculator(), datasets=["demo_arith"], work_dir=str(tmp_path), limit=10)
    results = run_task([task, {"datasets": ["demo_arith"], "work_dir": str(tmp_path), "limit": 10}])
    assert results[0]["demo_arith"].score == 1.0
    assert results[1]["demo_arith"].score == 0.0  # the mock model's fixed reply
    assert results[0]["demo_arith"].model_name == "calc"


def test_repeats_ask_each_sample_again_and_count_every_answer(tmp_path):
    from collections import Counter

    from evalscope import run_task
    from evalscope.benchmarks.demo_arith import demo_rows
    from evalscope.models import ModelOutput

    answers = {r["question"]: r["answer"] for r in demo_rows()}
    seen = Counter()

    class FirstTimeRight:
        model_name = "first-time-right"

        async def generate(self, messages, config):
            question = messages[-1].content.split("\n")[0]
            seen[question] += 1
            return ModelOutput(content=answers[question] if seen[question] == 1 else "0")

    reports = run_task({"model": FirstTimeRight(), "datasets": ["demo_arith"], "limit": 3, "repeats": 3,
                        "work_dir": str(tmp_path)})
    report = reports["demo_arith"]
    assert report.num == 9 and report.score == round(1 / 3, 4)
    assert sorted(seen.values()) == [3, 3, 3]
