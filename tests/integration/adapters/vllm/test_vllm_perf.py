"""``evalscope perf --api local_vllm`` (EvalScope's flag) against the stand-in ``vllm`` on PATH: the load
generator measures the server it started (served as ``--model``, EvalScope's naming), whose log lands in
the sweep's folder, and the server is stopped after, also when it never gets ready."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subprocess  # noqa: E402

from vllmkit import fake_vllm, free_port, group_alive, wait_gone  # noqa: E402,F401

CLI = "import sys, evalscope_vllm.plugin; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"


def perf(out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, "perf", "--api", "local_vllm", "--model", "org/tiny-model",
                           "--outputs-dir", str(out), "--no-timestamp", "--name", "sweep", "--prompt", "hello there",
                           "--max-tokens", "8", "--log-every-n-query", "0", *args],
                          capture_output=True, text=True, timeout=180)


def test_perf_measures_the_launched_server(fake_vllm):
    out = fake_vllm / "out"
    done = perf(out, "--parallel", "2", "--number", "6", "--model-args", '{"max_model_len": 512}')
    assert done.returncode == 0, done.stderr[-3000:]
    argv = json.loads((fake_vllm / "argv.json").read_text())
    port = int(argv[argv.index("--port") + 1])
    assert argv[:2] == ["serve", "org/tiny-model"] and "--max-model-len" in argv
    assert argv[argv.index("--served-model-name") + 1] == "org/tiny-model"  # EvalScope serves it as --model
    run = out / "sweep" / "parallel_2_number_6"
    summary = json.loads((run / "benchmark_summary.json").read_text())
    assert (summary["Total Requests"], summary["Success Requests"], summary["Failed Requests"]) == (6, 6, 0)
    args = json.loads((run / "benchmark_args.json").read_text())
    assert args["api"] == "local_vllm" and args["url"] == f"http://127.0.0.1:{port}/v1/chat/completions"
    assert "fake vllm serve org/tiny-model" in (out / "sweep" / "vllm.log").read_text()
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


def test_perf_on_a_given_port_and_speed_benchmark_on_completions(fake_vllm):
    port = free_port()
    done = perf(fake_vllm / "out", "--number", "2", "--port", str(port), "--dataset", "speed_benchmark")
    assert done.returncode == 0, done.stderr[-3000:]
    argv = json.loads((fake_vllm / "argv.json").read_text())
    assert argv[argv.index("--port") + 1] == str(port)
    (run,) = (fake_vllm / "out" / "sweep").glob("parallel_*")
    assert json.loads((run / "benchmark_args.json").read_text())["url"] == f"http://127.0.0.1:{port}/v1/completions"
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


def test_a_server_that_dies_at_start_fails_perf_with_its_log(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    done = perf(fake_vllm / "out", "--number", "2")
    assert done.returncode == 1 and "Likely cause: out of GPU memory" in done.stderr, done.stderr[-3000:]
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


@pytest.mark.parametrize("args,message", [
    (["--model-args", '{"max_model_lenn": 1}'], "max_model_lenn"),
    (["--api", "openai", "--url", "http://127.0.0.1:9/v1", "--port", "8000"], "--port is for a server perf starts"),
    (["--api", "local_vlm"], "unknown server 'vlm'"),
    (["--url", "http://127.0.0.1:8000/v1"], "--url is not used with --api local_vllm"),
])
def test_perf_mistakes_fail_before_anything_starts(fake_vllm, args, message):
    done = perf(fake_vllm / "out", "--number", "2", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr[-3000:]
    assert not (fake_vllm / "argv.json").exists()
