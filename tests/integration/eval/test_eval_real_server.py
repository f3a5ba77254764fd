"""``evalscope eval`` against a real third-party OpenAI-compatible server: ``transformers serve`` on
the testkit's tiny random Llama (streams end without ``[DONE]``; usage in the last chunk).

Needs ``EVALSCOPE_TESTKIT_PYTHON``: a python with torch==2.13.0 and ``transformers[serving]``
(``.ci/run`` makes one); skipped otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import DATASETS, only_run_dir, read_jsonl, read_report, run_cli

TESTKIT = DATASETS.parent / "testkit"
PYTHON = os.environ.get("EVALSCOPE_TESTKIT_PYTHON", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    if not PYTHON or not Path(PYTHON).exists():
        pytest.skip("EVALSCOPE_TESTKIT_PYTHON (a python with transformers[serving]) is not set")
    if not (TESTKIT / "serve_tiny_llm.sh").exists():
        pytest.skip(f"testkit not found at {TESTKIT}")
    model_dir = tmp_path_factory.mktemp("kit") / "tiny-llm"
    env = {**os.environ, "PYTHON": PYTHON}
    script = str(TESTKIT / "serve_tiny_llm.sh")
    started = subprocess.run(["bash", script, "start", str(model_dir), str(_free_port())], env=env,
                             capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    url, name, _pid = started.stdout.split()
    yield url, name
    subprocess.run(["bash", script, "stop", str(model_dir)], env=env, timeout=60)


@pytest.mark.parametrize("stream", [False, True])
def test_eval_against_transformers_serve(tiny_llm, tmp_path, stream):
    url, name = tiny_llm
    result = run_cli("eval", "--model", name, "--api-url", url, "--datasets", "demo_arith", "--limit", "4",
                     "--eval-batch-size", "2", "--work-dir", str(tmp_path),
                     "--generation-config", f'{{"temperature": 0, "max_tokens": 6, "stream": {str(stream).lower()}}}',
                     timeout=300)
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    report = read_report(run_dir, name, "demo_arith")
    assert report["execution"] == {"requested": 4, "succeeded": 4, "errored": 0, "empty": 0,
                                   "subsets": {"default": {"requested": 4, "succeeded": 4, "errored": 0, "empty": 0}}}
    preds = read_jsonl(run_dir / "predictions" / name / "demo_arith_default.jsonl")
    for p in preds:
        out = p["output"]
        assert out["content"] and out["usage"]["completion_tokens"] == 6 and out["finish_reason"] == "length"
        assert out["latency"] > 0 and ((out["ttft"] is not None) == stream)
    # greedy decoding: the streamed answers equal the non-streamed ones
    (tmp_path.parent / f"answers_{stream}.txt").write_text("\n".join(sorted(p["output"]["content"] for p in preds)))
    other = tmp_path.parent / f"answers_{not stream}.txt"
    if other.exists():
        assert other.read_text() == "\n".join(sorted(p["output"]["content"] for p in preds))
