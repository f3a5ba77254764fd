"""``evalscope perf`` against a real third-party OpenAI-compatible server: ``transformers serve`` on the
testkit's tiny random Llama (its streams end without ``[DONE]``; usage comes in the last chunk).

Needs ``EVALSCOPE_TESTKIT_PYTHON``: a python with torch==2.13.0 and ``transformers[serving]``
(``.ci/run`` makes one); skipped otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from perf_cli_helpers import perf  # noqa: F401  (the `perf` fixture)

HERE = Path(__file__).resolve()
TESTKIT = next((p / "shared" / "testkit" for p in HERE.parents if (p / "shared" / "testkit").is_dir()),
               Path("/work/shared/testkit"))
PYTHON = os.environ.get("EVALSCOPE_TESTKIT_PYTHON", "")


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    if not PYTHON or not Path(PYTHON).exists():
        pytest.skip("EVALSCOPE_TESTKIT_PYTHON (a python with transformers[serving]) is not set")
    if not (TESTKIT / "serve_tiny_llm.sh").exists():
        pytest.skip(f"testkit not found at {TESTKIT}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model_dir = tmp_path_factory.mktemp("kit") / "tiny-llm"
    env = {**os.environ, "PYTHON": PYTHON}
    script = str(TESTKIT / "serve_tiny_llm.sh")
    started = subprocess.run(["bash", script, "start", str(model_dir), str(port)], env=env, capture_output=True,
                             text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    url, name, _pid = started.stdout.split()
    yield url, name
    subprocess.run(["bash", script, "stop", str(model_dir)], env=env, timeout=60)


def _common(url, name):
    return ["--url", url + "/chat/completions", "--model", name, "--parallel", "2", "-n", "4", "--prompt",
            "Count to ten.", "--max-tokens", "8", "--no-html"]  # it refuses ignore_eos (HTTP 422)


def test_non_stream_counts_tokens_from_usage(tiny_llm, perf):
    url, name = tiny_llm
    run = perf(*_common(url, name), "--no-stream", timeout=300)
    assert run.rc == 0, run.stderr
    s = run.summary(2, 4)
    assert s["Success Requests"] == 4 and s["Avg Output Tokens"] == 8 and s["Avg Latency (s)"] > 0
    assert s["token_sources"]["completion"] == {"usage": 4}


def test_streams_without_done_fail_clearly_unless_accepted(tiny_llm, perf):
    url, name = tiny_llm
    strict = perf(*_common(url, name), "--stream", timeout=300)
    assert strict.rc == 1  # no request succeeded
    rows = strict.rows(2, 4)
    assert len(rows) == 4 and all("--no-require-done" in r["error"] for r in rows)
    relaxed = perf(*_common(url, name), "--stream", "--no-require-done", name="relaxed", timeout=300)
    assert relaxed.rc == 0, relaxed.stderr
    s = relaxed.summary(2, 4)
    assert s["Success Requests"] == 4 and s["Avg Output Tokens"] == 8
    assert s["Avg TTFT (ms)"] is not None and 0 < s["Avg TTFT (ms)"] < s["Avg Latency (s)"] * 1000
    rows = relaxed.rows(2, 4)
    assert all(r["saw_done"] == 0 for r in rows)
    # ITL is per token only when every stream's chunk count equals its usage count; never guessed
    per_token = all(r["n_chunks"] == r["completion_tokens"] for r in rows)
    assert s["itl_basis"] == ("token" if per_token else "chunk") and s["Avg ITL (ms)"] is not None
