"""GSM8K parity with OpenAI's own grading: ``example_model_solutions.jsonl`` of github.com/openai/grade-school-math
holds, for each of the 1,319 test problems, the solutions of four of the paper's models (6B/175B, finetuning and
verification) each marked ``is_correct`` by OpenAI. Our gsm8k extraction and ``acc`` must give the same verdict to
every one of the 5,276 solutions, so the four accuracies equal the published file's.

Run with ``EVALSCOPE_GSM8K_REFERENCE=<path of example_model_solutions.jsonl>``; the test problems are read from the
shared copy (``/work/shared/datasets/gsm8k``) or ``EVALSCOPE_GSM8K_DATA``. Skipped when either is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "gsm8k"
PUBLISHED = {"6b_finetuning": 0.2168, "6b_verification": 0.3904, "175b_finetuning": 0.3472, "175b_verification": 0.5625}
"""Accuracy of each model's solutions by OpenAI's ``is_correct`` marks (counted once from the file)."""
MODELS = tuple(PUBLISHED)


def _inputs() -> tuple[list[dict], list[dict]]:
    ref = os.environ.get("EVALSCOPE_GSM8K_REFERENCE")
    if not ref or not Path(ref).is_file():
        pytest.skip("OpenAI's example model solutions absent: set EVALSCOPE_GSM8K_REFERENCE to "
                    "grade_school_math/data/example_model_solutions.jsonl")
    data = Path(os.environ.get("EVALSCOPE_GSM8K_DATA") or SHARED) / "test.jsonl"
    if not data.is_file():
        pytest.skip(f"the GSM8K test split absent: {data}")
    load = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]  # noqa: E731
    return load(data), load(Path(ref))


def test_every_published_verdict_is_reproduced():
    problems, solutions = _inputs()
    assert len(problems) == len(solutions) == 1319
    benchmark = get_benchmark("gsm8k", load_task({"datasets": ["gsm8k"]}))
    (scorer,) = benchmark.scorers()
    samples = [benchmark.record_to_sample(r, i, "main") for i, r in enumerate(problems)]
    for model in MODELS:
        differ, correct = [], 0
        for sample, row in zip(samples, solutions):
            assert sample.input_text == row["question"]  # same problems, same order
            text = row[model]["solution"]
            answer = Answer(text=text, extracted=benchmark.extract_answer(text, sample))
            value = scorer.score(sample, [answer])[0].value["acc"]
            correct += value
            if bool(value) != row[model]["is_correct"]:
                differ.append((sample.id, answer.extracted, sample.target_text, row[model]["is_correct"]))
        assert not differ, (model, len(differ), differ[:5])
        assert correct == sum(r[model]["is_correct"] for r in solutions)
        assert round(correct / len(samples), 4) == PUBLISHED[model]

