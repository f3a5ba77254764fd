"""The math benchmarks on real rows (the shared copies of MATH-500 and AIME 2024): record parsing, subsets by
level, and parity: every reference answer scores 1.0 through the benchmark's own extraction and scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task

pytest.importorskip("math_verify", reason="math equivalence needs the 'math' extra (math-verify)")

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"


def _rows(name: str) -> list[dict]:
    path = SHARED / name / "test.jsonl"
    if not path.exists():
        pytest.skip(f"shared {name} data absent: {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _benchmark(name: str):
    return get_benchmark(name, load_task({"datasets": [name]}))


def _score(benchmark, sample, text: str) -> tuple[float, dict]:
    answer = Answer(text=text, extracted=benchmark.extract_answer(text, sample))
    (scorer,) = benchmark.scorers()
    (score,) = scorer.score(sample, [answer])
    return score.value["acc"], score.metadata


def test_math_500_rows_and_reference_solutions_score_one():
    rows = _rows("math_500")
    assert len(rows) == 500
    bench = _benchmark("math_500")
    by_level = {s: [r for r in rows if bench.in_subset(r, s)] for s in bench.subsets}
    assert {s: len(v) for s, v in by_level.items()} == {"Level 1": 43, "Level 2": 90, "Level 3": 105,
                                                      "Level 4": 128, "Level 5": 134}
    total = 0.0
    for subset, subset_rows in by_level.items():
        for i, row in enumerate(subset_rows):
            sample = bench.record_to_sample(row, i, subset)
            assert sample.id == row["unique_id"] and sample.target == row["answer"]
            value, meta = _score(bench, sample, row["solution"])
            assert meta["extraction"] == "boxed", row["unique_id"]
            total += value
    assert total == 500.0
    first = bench.record_to_sample(rows[0], 0, "Level 3")
    prompt = bench.build_messages(first, [])[-1].text
    assert prompt.startswith(rows[0]["problem"]) and prompt.endswith("within \\boxed{}.")


def test_math_500_wrong_answer_and_thinking_model():
    bench = _benchmark("math_500")
    row = next(r for r in _rows("math_500") if r["answer"] == "\\left( 3, \\frac{\\pi}{2} \\right)")
    sample = bench.record_to_sample(row, 0, "Level 2")
    assert _score(bench, sample, "So it is $\\boxed{(3, \\pi/2)}$.")[0] == 1.0
    assert _score(bench, sample, "<think>\\boxed{(3, \\pi/2)}</think>\\boxed{(3, \\pi)}")[0] == 0.0
    value, meta = _score(bench, sample, "<think>maybe \\boxed{(0,0)}</think> Final: \\boxed{\\left(3,\\frac{\\pi}2\\right)}")
    assert value == 1.0 and meta["extraction"] == "boxed_after_think"


def test_aime24_rows_and_published_answers():
    rows = _rows("aime24")
    bench = _benchmark("aime24")
    samples = [bench.record_to_sample(r, i, "default") for i, r in enumerate(rows)]
    assert len(samples) == 30 and samples[0].id == "60"
    assert " ".join(s.target_text for s in samples).startswith("204 113 371 385")
    # the published answers, boxed without their zero-padding ("025" -> 25), all score 1.0
    assert sum(_score(bench, s, f"\\boxed{{{int(s.target_text)}}}")[0] for s in samples) == 30.0
    assert sum(_score(bench, s, f"\\boxed{{{int(s.target_text) + 1}}}")[0] for s in samples) == 0.0
    assert "Remember to put your answer inside \\boxed{}." in bench.build_messages(samples[0], [])[-1].text


def test_competition_math_takes_the_boxed_answer_of_the_solution():
    rows = _rows("math_500")  # MATH-500's rows are MATH test rows, with the same problem/solution/level fields
    bench = _benchmark("competition_math")
    for i, row in enumerate(rows):
        record = {**row, "level": f"Level {row['level']}", "type": row["subject"]}
        sample = bench.record_to_sample(record, i, record["level"])
        assert _score(bench, sample, row["answer"] and f"\\boxed{{{row['answer']}}}")[0] == 1.0, row["unique_id"]
    with pytest.raises(ValueError, match="boxed"):
        bench.record_to_sample({"problem": "p", "solution": "no box", "level": "Level 1"}, 0, "Level 1")


def test_olympiad_bench_prompt_and_multi_answers():
    bench = _benchmark("olympiad_bench")
    record = {"id": 7, "question": "Find $x$.", "final_answer": ["$2$", "$-2$"], "is_multiple_answer": True,
              "language": "English", "subject": "Math", "answer_type": "Numerical", "unit": None}
    sample = bench.record_to_sample(record, 0, "OE_TO_maths_en_COMP")
    assert sample.target == "2,-2"
    assert "So the final answer is \\boxed{multiple answers connected with commas}" in sample.input_text
    assert _score(bench, sample, "So the final answer is \\boxed{-2, 2}.")[0] == 1.0
    single = bench.record_to_sample({**record, "final_answer": ["$\\frac{1}{2}$"], "is_multiple_answer": False,
                                     "language": "Chinese", "unit": "m"}, 1, "OE_TO_maths_zh_CEE")
    assert "所以最终答案是\\boxed{答案}(单位)" in single.input_text and single.target == "\\frac{1}{2}"
    assert _score(bench, single, "所以最终答案是\\boxed{0.5}")[0] == 1.0


def test_list_shows_the_category(capsys):
    import argparse

    from evalscope.cli.list_cmd import run

    assert run(argparse.Namespace(what="benchmarks")) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    for name in ("math_500", "aime24", "aime25", "competition_math", "minerva_math", "olympiad_bench"):
        assert lines[name].split()[2] == "Math", lines[name]
    assert " InstructionFollowing " in lines["ifeval"] and " Knowledge " in lines["gpqa_diamond"]
