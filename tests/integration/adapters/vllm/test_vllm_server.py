"""The managed ``vllm serve`` against a stand-in executable on PATH: arguments, readiness, every failure
path, and teardown with no process of the group left."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "adapters" / "vllm"))
from evalscope_vllm.args import VllmArgs, likely_cause, serve_command  # noqa: E402
from evalscope_vllm.server import VllmServer  # noqa: E402
from vllmkit import alive, fake_vllm, group_alive, wait_gone  # noqa: E402,F401

from evalscope.errors import ConfigError, RunFailed  # noqa: E402


def test_the_command_line_from_model_args():
    args = VllmArgs(tensor_parallel_size=2, max_model_len=8192, gpu_memory_utilization=0.9,
                    limit_mm_per_prompt={"image": 2}, trust_remote_code=True, extra_args=["--enforce-eager"])
    assert serve_command("vllm", "Qwen/Qwen2.5-VL-3B-Instruct", 8123, "qwen", args) == [
        "vllm", "serve", "Qwen/Qwen2.5-VL-3B-Instruct", "--host", "127.0.0.1", "--port", "8123",
        "--served-model-name", "qwen", "--tensor-parallel-size", "2", "--max-model-len", "8192",
        "--gpu-memory-utilization", "0.9", "--limit-mm-per-prompt", '{"image": 2}', "--trust-remote-code",
        "--enforce-eager"]


@pytest.mark.parametrize("log,cause", [
    ("RuntimeError: No CUDA GPUs are available", "no GPU"),
    ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "out of GPU memory"),
    ("OSError: foo/bar is not a local folder and is not a valid model identifier", "model was not found"),
    ("vllm serve: error: unrecognized arguments: --bogus", "refused an argument"),
    ("all fine", None),
])
def test_likely_cause_from_the_log(log, cause):
    found = likely_cause(log)
    assert (found is None) if cause is None else (cause in found)


def _server(tmp_path, **args) -> VllmServer:
    return VllmServer("org/some-model", "some-model", VllmArgs(**args), tmp_path / "logs" / "vllm.log")


def test_ready_serves_and_stops_the_whole_group(fake_vllm):
    server = _server(fake_vllm, max_model_len=512, extra_args=["--enforce-eager"])
    with server:
        argv = json.loads((fake_vllm / "argv.json").read_text())
        assert argv[:2] == ["serve", "org/some-model"] and argv[argv.index("--port") + 1] == str(server.port)
        assert argv[-3:] == ["--max-model-len", "512", "--enforce-eager"]
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=5) as resp:
            assert [m["id"] for m in json.loads(resp.read())["data"]] == ["some-model"]
        pid, child = server.process.pid, int((fake_vllm / "child.pid").read_text())
        assert alive(child) and group_alive(pid)
    assert wait_gone(pid) and wait_gone(child) and not group_alive(pid)
    assert "fake vllm serve org/some-model" in (fake_vllm / "logs" / "vllm.log").read_text()
    server.stop()  # twice is fine


def test_a_server_that_dies_at_start_fails_at_once_with_the_log_tail_and_cause(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    started = time.monotonic()
    with pytest.raises(RunFailed) as info:
        _server(fake_vllm, startup_timeout=120).start()
    message = str(info.value)
    assert time.monotonic() - started < 30  # not the startup timeout
    assert "exited with code 1 before it was ready" in message and "Likely cause: out of GPU memory" in message
    assert "CUDA out of memory. Tried to allocate" in message and "vllm.log" in message
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


def test_a_server_never_healthy_times_out_and_is_stopped(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "never_healthy")
    server = _server(fake_vllm, startup_timeout=1.5, stop_timeout=5)
    with pytest.raises(RunFailed, match=r"not ready after 1.5s \(model_args.startup_timeout\)"):
        server.start()
    child = int((fake_vllm / "child.pid").read_text())
    assert wait_gone(child) and server.process is None


def test_a_server_ignoring_sigterm_is_killed(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "ignore_term")
    server = _server(fake_vllm, stop_timeout=1)
    server.start()
    pid = server.process.pid
    started = time.monotonic()
    server.stop()
    assert 0.9 < time.monotonic() - started < 15 and wait_gone(pid) and not group_alive(pid)


def test_a_missing_executable_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="model_args.vllm_executable '/nonexistent/vllm' not found"):
        _server(tmp_path, vllm_executable="/nonexistent/vllm")
