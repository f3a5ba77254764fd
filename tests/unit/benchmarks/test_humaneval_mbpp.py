"""HumanEval and MBPP: record parsing, code extraction, parity on the canonical solutions, pass@k over repeats."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
from pathlib import Path

import pytest

from evalscope.api import Answer, ModelOutput, ScoringContext
from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.humaneval import extract_code, humaneval_program
from evalscope.config import load_task
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.native.records import PredictionRecord
from evalscope.native.scoring import SampleScorer
from evalscope.sandbox import isolation
from evalscope.sandbox.local import SandboxLimits
from evalscope.sandbox.scorer import ExecutionScorer

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "humaneval" / "HumanEval.jsonl.gz"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks"
pytestmark = pytest.mark.skipif(isolation() is None, reason="this machine cannot make network/PID/mount namespaces")


def bench(name: str, **args):
    task = load_task({"datasets": [name], "dataset_args": {name: args}})
    return get_benchmark(name, task)


def test_extract_code_takes_the_fenced_block_or_the_text():
    assert extract_code("Sure:\n```python\ndef f():\n    return 1\n```\nDone.") == "def f():\n    return 1\n"
    assert extract_code("```py\nx = 1\n```\n```python\ndef longer():\n    pass\n```") == "def longer():\n    pass\n"
    assert extract_code("```python\ndef cut():\n    return 2") == "def cut():\n    return 2\n"  # cut off at max_tokens
    assert extract_code("    return a + b") == "    return a + b\n"


def test_humaneval_canonical_solutions_all_pass():
    """Parity with the official harness: every canonical solution passes (pass@1 = 1.0 over 164)."""
    if not SHARED.exists():
        pytest.skip(f"shared HumanEval data absent: {SHARED}")
    rows = [json.loads(line) for line in gzip.open(SHARED, "rt", encoding="utf-8")]
    assert len(rows) == 164
    b = bench("humaneval")
    samples = [b.record_to_sample(r, i, "openai_humaneval") for i, r in enumerate(rows)]
    scorer = ExecutionScorer(humaneval_program, b.scorers()[0].limits)

    async def all_scores():
        return await asyncio.gather(*(scorer.score(s, [Answer(text=s.target_text, extracted=extract_code(
            s.target_text))]) for s in samples))

    scores = [s[0] for s in asyncio.run(all_scores())]
    failed = [(samples[i].id, s.explanation) for i, s in enumerate(scores) if s.value["acc"] != 1.0]
    assert not failed, failed[:3]
    # and a wrong completion of each of the first ten fails its tests
    wrong = asyncio.run(scorer.score(samples[0], [Answer(text="", extracted="    return None\n")]))
    assert wrong[0].value["acc"] == 0.0 and "AssertionError" in (wrong[0].explanation or "")


def test_humaneval_official_example_samples():
    """The official harness's sanity check: its ``data/example_samples.jsonl`` (six completions of
    ``example_problem.jsonl``: a shell-out, a 10 s sleep, an ``input()``, three right ``return 1`` with odd
    indentation) "should yield 0.5 pass@1" (human-eval README). Run with the official 3 s time limit, as
    ``evaluate_functional_correctness`` does; ``EVALSCOPE_HUMANEVAL_REFERENCE=<human-eval checkout's data/>``."""
    ref = os.environ.get("EVALSCOPE_HUMANEVAL_REFERENCE")
    if not ref or not (Path(ref) / "example_samples.jsonl").is_file():
        pytest.skip("human-eval's example files absent: set EVALSCOPE_HUMANEVAL_REFERENCE to a folder with "
                    "example_problem.jsonl and example_samples.jsonl")
    folder = Path(ref)
    (problem,) = [json.loads(line) for line in (folder / "example_problem.jsonl").read_text().splitlines() if line]
    completions = [json.loads(line) for line in (folder / "example_samples.jsonl").read_text().splitlines() if line]
    assert len(completions) == 6 and {c["task_id"] for c in completions} == {problem["task_id"]}
    b = bench("humaneval")
    sample = b.record_to_sample(problem, 0, "openai_humaneval")
    scorer = ExecutionScorer(humaneval_program, SandboxLimits(timeout=3.0, cpu_seconds=3))
    answers = [Answer(repeat=i, text=c["completion"], extracted=b.extract_answer(c["completion"], sample))
               for i, c in enumerate(completions)]
    scores = asyncio.run(scorer.score(sample, answers))
    assert [s.value["acc"] for s in scores] == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0], [s.explanation for s in scores]
    assert scores[1].metadata["sandbox"]["status"] == "timeout"
    values = aggregate(resolve(b.aggregation), [s.value for s in scores], [a.extracted for a in answers])
    assert values["mean_acc_pass@1"] == pytest.approx(0.5)


def _review(benchmark, sample, replies):
    scorer = SampleScorer(benchmark, [], executor=None, context=ScoringContext())
    preds = [PredictionRecord(sample_id=sample.id, repeat=i, subset="s", model="m", input_hash="h", messages=[],
                              target=sample.target, output=ModelOutput(content=r)) for i, r in enumerate(replies)]
    return asyncio.run(scorer.review(sample, "s", preds))


def test_pass_at_k_over_repeats_through_the_aggregator():
    b = bench("humaneval", local_path=str(FIXTURES / "humaneval"))
    row = json.loads((FIXTURES / "humaneval" / "test.jsonl").read_text().splitlines()[0])
    sample = b.record_to_sample(row, 0, "openai_humaneval")
    replies = ["```python\n    return a + b\n```", "```python\n    return a - b\n```", "    while True: pass",
               "```python\ndef add(a, b):\n    return b + a\n```"]
    reviews = _review(b, sample, replies)
    assert [r.error for r in reviews] == [None] * 4
    assert [r.score["acc"] for r in reviews] == [1.0, 0.0, 0.0, 1.0]
    assert reviews[1].explanation.startswith("failed") and reviews[1].score_metadata["sandbox"]["status"] == "failed"
    values = aggregate(resolve(b.aggregation), [r.score for r in reviews], [r.extracted_prediction for r in reviews])
    assert values["mean_acc"] == 0.5
    assert values["mean_acc_pass@1"] == pytest.approx(0.5)
    assert values["mean_acc_pass@2"] == pytest.approx(1 - 1 / 6)  # 1 - C(2,2)/C(4,2)
    assert values["mean_acc_pass@4"] == 1.0


def test_a_sandbox_that_cannot_run_is_an_errored_review(monkeypatch):
    from evalscope.sandbox import local

    b = bench("mbpp", local_path=str(FIXTURES / "mbpp"))
    row = json.loads((FIXTURES / "mbpp" / "test.jsonl").read_text().splitlines()[0])
    sample = b.record_to_sample(row, 0, "full")
    monkeypatch.setattr(local.LocalSandbox, "_command", lambda self, config: ["/nonexistent/python"])
    (review,) = _review(b, sample, ["```python\ndef square(n):\n    return n * n\n```"])
    assert review.error and "sandbox" in review.error and review.score == {}


def test_mbpp_record_prompt_and_program():
    b = bench("mbpp", local_path=str(FIXTURES / "mbpp"))
    row = json.loads((FIXTURES / "mbpp" / "test.jsonl").read_text().splitlines()[0])
    sample = b.record_to_sample(row, 0, "full")
    assert sample.id == "11" and sample.metadata["test_list"][0] == "assert square(3) == 9"
    assert "assert square(-2) == 4" in b.format_query(sample)
    (good,) = _review(b, sample, ["```python\ndef square(n):\n    return n ** 2\n```"])
    (bad,) = _review(b, sample, ["def square(n):\n    return abs(n) * 2"])
    assert good.score["acc"] == 1.0 and bad.score["acc"] == 0.0
