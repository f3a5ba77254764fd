"""``evalscope eval --eval-type vllm`` as a user runs it, with the stand-in ``vllm`` on PATH: the run goes
through the launched server, its log lands in logs/vllm.log, and the server is stopped on success, on a
server that dies mid-run, on SIGTERM and on Ctrl-C, with no process of its group left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vllmkit import alive, fake_vllm, group_alive, wait_gone  # noqa: E402,F401

# the CLI with the adapter's entry point applied (the core's test venv does not install the adapter, so
# that its own tests see model:vllm as a plugin that is not installed)
CLI = "import sys, evalscope_vllm.plugin; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"


def eval_cmd(work: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", CLI, "eval", "--model", "org/tiny-model", "--eval-type", "vllm",
            "--datasets", "demo_arith", "--work-dir", str(work), "--no-timestamp",
            "--generation-config", '{"max_tokens": 8, "temperature": 0, "retries": 0}', *extra]


def _server_pids(tmp: Path, proc: subprocess.Popen) -> tuple[int, int]:
    """(the fake vllm's pid, its worker child's pid), read once the fake has started."""
    deadline = time.monotonic() + 120
    while not (tmp / "child.pid").exists() and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.1)
    child = int((tmp / "child.pid").read_text())
    with open(f"/proc/{child}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[2]), child  # the group id is the leader's pid


def test_eval_through_the_launched_server(fake_vllm):
    work = fake_vllm / "run"
    done = subprocess.run(eval_cmd(work, "--limit", "3", "--model-args",
                                   '{"max_model_len": 2048, "extra_args": ["--enforce-eager"]}'),
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(x) for x in (work / "predictions" / "tiny-model" / "demo_arith_default.jsonl").read_text()
            .splitlines()]
    assert len(rows) == 3 and all(r["output"]["content"] for r in rows)  # the mock server echoes the prompt
    argv = json.loads((fake_vllm / "argv.json").read_text())
    assert argv[:2] == ["serve", "org/tiny-model"] and "--enforce-eager" in argv
    assert argv[argv.index("--served-model-name") + 1] == "tiny-model" and argv[argv.index("--host") + 1] == "127.0.0.1"
    assert "fake vllm serve org/tiny-model" in (work / "logs" / "vllm.log").read_text()
    assert "vLLM server stopped" in (work / "logs" / "eval_log.log").read_text()
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


def test_a_server_dying_mid_run_fails_the_samples_and_is_cleaned_up(fake_vllm, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "die_later")
    monkeypatch.setenv("FAKE_VLLM_LIFETIME", "2")
    monkeypatch.setenv("FAKE_VLLM_LATENCY_MS", "400")
    work = fake_vllm / "run"
    done = subprocess.run(eval_cmd(work, "--limit", "20"), capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "the vllm server has exited" in done.stderr and "vllm.log" in done.stderr
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_evalscope_stops_the_server_group(fake_vllm, monkeypatch, sig):
    monkeypatch.setenv("FAKE_VLLM_LATENCY_MS", "30000")  # the run is mid-request when the signal comes
    work = fake_vllm / "run"
    proc = subprocess.Popen(eval_cmd(work, "--limit", "4"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        pgid, child = _server_pids(fake_vllm, proc)
        deadline = time.monotonic() + 60
        log = work / "logs" / "eval_log.log"
        while time.monotonic() < deadline and not (log.exists() and "vLLM ready" in log.read_text()):
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert wait_gone(child) and not group_alive(pgid), "the server's process group outlived evalscope"


def test_no_vllm_on_path_is_a_usage_error(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[4]), str(Path(__file__).resolve().parents[4] / "adapters" / "vllm")])}
    done = subprocess.run(eval_cmd(tmp_path / "w", "--limit", "1"), capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 2 and "`vllm` on PATH not found" in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("form,sig,code", [
    (["-c", CLI, "serve", "vllm"], signal.SIGINT, 130),  # evalscope serve vllm (the core CLI, the plugin's server)
    (["-m", "evalscope_vllm", "serve"], signal.SIGINT, 130),  # evalscope-vllm serve: the same command
    (["-c", CLI, "serve", "vllm"], signal.SIGTERM, 128 + signal.SIGTERM),
])
def test_the_standalone_server_stays_up_until_a_signal(fake_vllm, form, sig, code):
    proc = subprocess.Popen([sys.executable, *form, "org/tiny-model", "--log", str(fake_vllm / "vllm.log"),
                             "--model-args", '{"max_model_len": 512}'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url, name, pid = proc.stdout.readline().split()
        with urllib.request.urlopen(f"{url}/models", timeout=10) as resp:
            assert [m["id"] for m in json.loads(resp.read())["data"]] == [name] == ["tiny-model"]
        child = int((fake_vllm / "child.pid").read_text())
        time.sleep(1.0)
        assert alive(int(pid)) and proc.poll() is None  # kept up
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code
    finally:
        if proc.poll() is None:
            proc.kill()
    assert wait_gone(child) and not group_alive(int(pid))
    argv = json.loads((fake_vllm / "argv.json").read_text())
    assert "--max-model-len" in argv and "fake vllm serve" in (fake_vllm / "vllm.log").read_text()


def test_serve_on_a_given_port_with_a_served_name(fake_vllm):
    from vllmkit import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", "vllm", "org/tiny-model", "--port", str(port),
                             "--served-model-name", "tm", "--log", str(fake_vllm / "v.log")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url, name, _ = proc.stdout.readline().split()
        assert (url, name) == (f"http://127.0.0.1:{port}/v1", "tm")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert wait_gone(int((fake_vllm / "child.pid").read_text()))


@pytest.mark.parametrize("args,message", [
    (["serve", "vllm", "org/m", "--model-args", '{"max_model_lenn": 5}'], "max_model_lenn"),
    (["serve", "vlm", "org/m"], "unknown server 'vlm'. Did you mean 'vllm'?"),
])
def test_serve_mistakes_are_usage_errors(fake_vllm, args, message):
    done = subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr, done.stderr[-2000:]
    assert not (fake_vllm / "argv.json").exists()


def test_serve_without_the_adapter_says_what_to_install(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[4])}
    done = subprocess.run([sys.executable, "-m", "evalscope.cli.main", "serve", "vllm", "org/m"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 2 and "pip install ./adapters/vllm" in done.stderr, done.stderr[-2000:]


def test_list_servers_shows_the_plugin_server(fake_vllm):  # (the fixture puts the adapter on PYTHONPATH)
    done = subprocess.run([sys.executable, "-c", CLI, "list", "servers"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["vllm"], done.stderr[-2000:]
