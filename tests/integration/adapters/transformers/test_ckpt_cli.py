"""``evalscope eval --eval-type llm_ckpt`` on the testkit's tiny Llama, as a user runs it (CPU).

Greedy answers must equal those of the same checkpoint behind ``transformers serve`` (the OpenAI path);
batched generate calls must give the answers of one request at a time; ``--use-cache`` resumes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ckptkit import (  # noqa: E402,F401
    DATASETS,
    answers,
    ckpt_python,
    evalscope,
    predictions,
    served_tiny_llm,
    tiny_llm,
)

GREEDY = '{"temperature": 0, "max_tokens": 12}'


def _eval(python, work: Path, *args: str):
    done = evalscope(python, "eval", "--work-dir", str(work), "--no-timestamp", *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return work


def test_the_issue_command_runs_gsm8k_on_a_checkpoint_folder(ckpt_python, tiny_llm, tmp_path):
    if not (DATASETS / "gsm8k").exists():
        pytest.skip(f"shared dataset gsm8k not found under {DATASETS}")
    work = _eval(ckpt_python, tmp_path, "--model", str(tiny_llm), "--eval-type", "llm_ckpt", "--datasets", "gsm8k",
                 "--limit", "5", "--dataset-dir", str(DATASETS), "--generation-config", GREEDY)
    rows = predictions(work, "tiny-llm", "gsm8k", "main")
    assert len(answers(rows)) == 5
    for row in rows:
        usage = row["output"]["usage"]
        assert usage["completion_tokens"] <= 12 and usage["prompt_tokens"] > 100
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_greedy_answers_equal_transformers_serve(ckpt_python, tiny_llm, served_tiny_llm, tmp_path):
    url, name = served_tiny_llm
    common = ("--datasets", "demo_arith", "--limit", "6", "--generation-config", GREEDY, "--eval-batch-size", "3")
    local = _eval(ckpt_python, tmp_path / "local", "--model", str(tiny_llm), "--eval-type", "llm_ckpt", *common)
    served = _eval(ckpt_python, tmp_path / "served", "--model", name, "--api-url", url, *common)
    mine = predictions(local, "tiny-llm", "demo_arith", "default")
    theirs = predictions(served, name, "demo_arith", "default")
    assert answers(mine) == answers(theirs) and len(answers(mine)) == 6
    assert len(set(answers(mine).values())) > 1  # the prompts differ, so must the answers of a varied model
    usage = lambda rows: {r["sample_id"]: (r["output"]["usage"]["prompt_tokens"],  # noqa: E731
                                           r["output"]["usage"]["completion_tokens"]) for r in rows}
    assert usage(mine) == usage(theirs)


def test_batched_generate_gives_the_answers_of_one_request_at_a_time(ckpt_python, tiny_llm, tmp_path):
    common = ("--model", str(tiny_llm), "--eval-type", "llm_ckpt", "--datasets", "demo_arith", "--limit", "8",
              "--generation-config", GREEDY)
    alone = _eval(ckpt_python, tmp_path / "one", *common, "--eval-batch-size", "1",
                  "--model-args", '{"batch_size": 1}')
    batched = _eval(ckpt_python, tmp_path / "eight", *common, "--eval-batch-size", "8",
                    "--model-args", '{"batch_size": 8, "batch_window_ms": 50}')
    one, eight = (predictions(d, "tiny-llm", "demo_arith", "default") for d in (alone, batched))
    assert answers(one) == answers(eight) and len(answers(one)) == 8
    assert "batches of up to 8" in (batched / "logs" / "eval_log.log").read_text()


def test_use_cache_asks_only_what_is_missing(ckpt_python, tiny_llm, tmp_path):
    common = ("--model", str(tiny_llm), "--eval-type", "llm_ckpt", "--datasets", "demo_arith",
              "--generation-config", GREEDY)
    _eval(ckpt_python, tmp_path, *common, "--limit", "3")
    first = predictions(tmp_path, "tiny-llm", "demo_arith", "default")
    _eval(ckpt_python, tmp_path, *common, "--limit", "5", "--use-cache", str(tmp_path))
    second = predictions(tmp_path, "tiny-llm", "demo_arith", "default")
    assert second[:3] == first and len(second) == 5  # three kept as they were, two asked
    _eval(ckpt_python, tmp_path, *common, "--limit", "5", "--use-cache", str(tmp_path))
    assert predictions(tmp_path, "tiny-llm", "demo_arith", "default") == second  # nothing asked again


@pytest.mark.parametrize("model_args,message", [
    ('{"precison": "float16"}', "unknown key in model_args of llm_ckpt: 'precison'. Did you mean 'precision'"),
    ('{"precision": "float8"}', "precision 'float8' is not one of"),
    ('{"batch_size": 0}', "invalid 'batch_size': Input should be greater than or equal to 1"),
])
def test_bad_model_args_are_one_line_usage_errors(ckpt_python, tiny_llm, tmp_path, model_args, message):
    done = evalscope(ckpt_python, "eval", "--model", str(tiny_llm), "--eval-type", "llm_ckpt", "--datasets",
                     "demo_arith", "--limit", "1", "--work-dir", str(tmp_path), "--model-args", model_args)
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())  # refused before any run directory exists


def test_a_missing_checkpoint_folder_is_a_usage_error(ckpt_python, tmp_path):
    done = evalscope(ckpt_python, "eval", "--model", str(tmp_path / "nope"), "--eval-type", "llm_ckpt",
                     "--datasets", "demo_arith", "--limit", "1", "--work-dir", str(tmp_path / "w"))
    assert done.returncode == 2 and "checkpoint folder not found" in done.stderr, done.stderr[-2000:]
