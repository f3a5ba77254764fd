"""DROP: record parsing of real rows in EleutherAI/drop's layout (the fixture), EvalScope's prompt and fixed
examples, answer extraction, and F1/EM through the benchmark's scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.errors import ConfigError

ROWS = [json.loads(line) for line in
        (Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks" / "drop" / "validation.jsonl").open()]


def _bench(**args):
    return get_benchmark("drop", load_task({"datasets": ["drop"], "dataset_args": {"drop": args}}))


def _score(bench, sample, reply: str) -> dict:
    (scorer,) = bench.scorers()
    (score,) = scorer.score(sample, [Answer(text=reply, extracted=bench.extract_answer(reply, sample))])
    return score.value


def test_records():
    bench = _bench()
    touchdown = bench.record_to_sample(ROWS[0], 0, "default")
    assert touchdown.id == "f37e81fa-ef7b-4583-b671-762fc433faa9"
    assert touchdown.metadata["gold_answers"] == [["Chaz Schilens"], ["JaMarcus Russell"]]  # deduplicated
    assert touchdown.target == ["Chaz Schilens", "JaMarcus Russell"]
    contenders = bench.record_to_sample(ROWS[1], 1, "default")  # a number; the builder's one empty validated answer
    assert contenders.metadata["gold_answers"] == [["2"], [""]]
    listed = {**ROWS[1], "validated_answers": [{"number": "", "date": {"day": "", "month": "", "year": ""},
                                                 "spans": ["two"]}]}  # validated answers as a list of answers
    assert bench.record_to_sample(listed, 1, "default").metadata["gold_answers"] == [["2"], ["two"]]
    dated = {**ROWS[1], "answer": {"number": "", "date": {"day": "17", "month": "August", "year": ""}, "spans": []}}
    assert bench.record_to_sample(dated, 1, "default").metadata["gold_answers"][0] == ["17 August"]
    with pytest.raises(ValueError, match="no non-empty answer"):
        bench.record_to_sample({**ROWS[1], "answer": {"number": "", "date": {}, "spans": []}}, 1, "default")


def test_prompt_with_and_without_examples():
    sample = _bench().record_to_sample(ROWS[2], 2, "default")
    text = _bench().build_messages(sample, [])[-1].text
    assert text.startswith("You will be asked to read a passage and answer a question. Some examples of passages")
    assert text.count("\nPassage: ") == 4 and "Answer:  Jacobs\n" in text
    assert text.endswith("Question: What was the longest field goal of the game?\n\nThink step by step, then write a "
                         "line of the form \"Answer: [ANSWER]\" at the end of your response.")
    zero = _bench(few_shot_num=0).build_messages(sample, [])[-1].text
    assert zero.startswith("You will be asked to read a passage and answer a question. \n# Your Task\n\n---\nPassage: ")
    with pytest.raises(ConfigError, match="3 .* or 0"):
        _bench(few_shot_num=1)


def test_extraction_and_scores():
    bench = _bench()
    field_goal = bench.record_to_sample(ROWS[2], 2, "default")  # gold "38-yard"
    assert _score(bench, field_goal, "Kaeding kicked a 38-yard field goal.\nAnswer: 38-yard") == {"f1": 1.0, "em": 1.0}
    assert _score(bench, field_goal, "answer: 38 yards\n") == {"f1": 0.5, "em": 0.0}  # "yards" is not "yard"
    assert _score(bench, field_goal, "Answer: 42-yard") == {"f1": 0.0, "em": 0.0}  # the number must match
    assert bench.extract_answer("Answer: 20\nchecking...\nAnswer: **38-yard**", field_goal) == "**38-yard**"
    assert _score(bench, field_goal, "Answer: **38-yard**") == {"f1": 1.0, "em": 1.0}
    assert bench.extract_answer("38-yard", field_goal) == "38-yard"  # a bare one-line reply
    assert bench.extract_answer("It was long.\nThe 38-yard one.", field_goal) == ""  # no Answer: line
    touchdown = bench.record_to_sample(ROWS[0], 0, "default")
    assert _score(bench, touchdown, "Answer: JaMarcus Russell") == {"f1": 1.0, "em": 1.0}  # a validated answer
    contenders = bench.record_to_sample(ROWS[1], 1, "default")
    assert _score(bench, contenders, "Answer: 2.0") == {"f1": 1.0, "em": 1.0}


def test_hub_parquet_layout(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    (tmp_path / "drop" / "data").mkdir(parents=True)  # EleutherAI/drop: data/validation-*.parquet
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "drop" / "data" / "validation-00000-of-00001.parquet")
    task = load_task({"datasets": ["drop"], "dataset_args": {"drop": {"local_path": str(tmp_path / "drop")}},
                      "work_dir": str(tmp_path)})
    (plan,) = BenchmarkRun(get_benchmark("drop", task), task, model=None, run_dir=RunDir(tmp_path / "run"),
                           display=NullDisplay()).plan()
    golds = [s.metadata["gold_answers"] for s in plan.samples]
    assert golds[0] == [["Chaz Schilens"], ["JaMarcus Russell"]] and golds[2][0] == ["38-yard"]  # struct columns
