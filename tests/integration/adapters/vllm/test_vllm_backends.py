"""``--eval-type vllm`` with an external backend: the launcher is generic (``evalscope.models.served``),
so a harness backend is handed an API model at the launched server for the run, in-process and isolated,
and the server is stopped after: on success, when the harness fails, and on SIGTERM / Ctrl-C.

The backend is ``VllmProbe`` (probe_backend.py, registered by the tests): a harness that reads the model
spec and asks the server over HTTP, as VLMEvalKit's or lm-eval's API models do."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import probe_backend  # noqa: E402
from vllmkit import REPO, fake_vllm, group_alive, wait_gone  # noqa: E402,F401

from evalscope.backend import envs  # noqa: E402
from evalscope.config import TaskConfig  # noqa: E402
from evalscope.errors import ConfigError, RunFailed  # noqa: E402
from evalscope.registry import registry  # noqa: E402
from evalscope.run import run_task  # noqa: E402

QUESTIONS = ["What is 2 + 3?", "Name a colour."]
CLI = ("import sys, evalscope_vllm.plugin, probe_backend; probe_backend.register(); "
       "from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))")


@pytest.fixture(autouse=True)
def plugins(monkeypatch):
    """server:vllm, model:vllm (the adapter is not installed in the core's venv) and backend:VllmProbe, in the
    registry for the test only: other tests of the same session see vllm as a plugin that is not installed."""
    for kind in ("model", "server", "backend"):
        registry.names(kind)
        monkeypatch.setitem(registry._items, kind, dict(registry._items.get(kind, {})))
    sys.modules.pop("evalscope_vllm.plugin", None)
    importlib.import_module("evalscope_vllm.plugin")
    probe_backend.register()
    yield
    sys.modules.pop("evalscope_vllm.plugin", None)


@pytest.fixture
def probe(fake_vllm, monkeypatch):
    """The stand-in vllm on PATH, the probe importable in children, and a fake isolated env (this Python)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), str(HERE.parents[3] / "adapters" / "vllm"),
                                                      str(HERE)]))
    monkeypatch.setenv(envs.BACKENDS_DIR_ENV, str(fake_vllm / "envs"))
    bindir = fake_vllm / "envs" / "vllmprobe" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bindir / "python").chmod(0o755)
    (fake_vllm / "envs" / "vllmprobe" / envs.MARKER).write_text("{}")
    return fake_vllm


def task(work: Path, runner: str = "inprocess", mode: str = "ok", **model_args) -> TaskConfig:
    return TaskConfig(model="org/tiny-model", eval_type="vllm", eval_backend=probe_backend.NAME, work_dir=str(work),
                      no_timestamp=True, model_args=model_args,
                      eval_config={"runner": runner, "mode": mode, "questions": QUESTIONS})


def _argv(folder: Path) -> list[str]:
    return json.loads((folder / "argv.json").read_text())


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_the_backend_gets_the_launched_server_as_an_api_model(probe, runner):
    work = probe / "run"
    reports = run_task(task(work, runner, max_model_len=1024, extra_args=["--enforce-eager"]))
    report = reports["probe"]
    assert report.score == 1.0 and report.model_name == "tiny-model"
    assert [a.split()[0] for a in report.extra["answers"]] == ["What", "Name"]  # the mock server echoes
    argv = _argv(probe)
    port = argv[argv.index("--port") + 1]
    assert argv[:2] == ["serve", "org/tiny-model"] and argv[-3:] == ["--max-model-len", "1024", "--enforce-eager"]
    native = json.loads((work / "backends" / probe_backend.NAME / "native_config.json").read_text())
    assert native["kind"] == "api" and native["eval_type"] == "openai_api"
    assert native["base_url"] == f"http://127.0.0.1:{port}/v1" and native["model"] == "tiny-model"
    assert "fake vllm serve org/tiny-model" in (work / "logs" / "vllm.log").read_text()
    assert "vLLM server stopped" in (work / "logs" / "eval_log.log").read_text()
    assert wait_gone(int((probe / "child.pid").read_text()))
    if runner == "isolated":  # the child harness was handed the served model, not the vllm type
        job = json.loads((work / "backends" / probe_backend.NAME / "job.json").read_text())
        assert job["task"]["eval_type"] == "openai_api" and job["task"]["api_url"].endswith(f":{port}/v1")


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_a_failing_harness_still_stops_the_server(probe, runner):
    with pytest.raises(RunFailed, match="the probe harness failed"):
        run_task(task(probe / "run", runner, mode="raise"))
    assert wait_gone(int((probe / "child.pid").read_text()))


def test_bad_model_args_fail_before_anything_starts(probe):
    with pytest.raises(ConfigError, match="max_model_lenn"):
        run_task(task(probe / "run", max_model_lenn=5))
    assert not (probe / "argv.json").exists() and not (probe / "run").exists()


def test_a_server_that_never_gets_ready_fails_the_run_with_its_log(probe, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    with pytest.raises(RunFailed, match="Likely cause: out of GPU memory"):
        run_task(task(probe / "run"))
    assert not (probe / "run" / "backends" / probe_backend.NAME / "native_config.json").exists()


@pytest.mark.parametrize("runner,sig", [("inprocess", signal.SIGTERM), ("isolated", signal.SIGINT),
                                        ("isolated", signal.SIGTERM)])
def test_a_signal_mid_harness_stops_the_server_group(probe, runner, sig):
    work = probe / "run"
    cmd = [sys.executable, "-c", CLI, "eval", "--model", "org/tiny-model", "--eval-type", "vllm", "--eval-backend",
           probe_backend.NAME, "--work-dir", str(work), "--no-timestamp",
           "--eval-config", json.dumps({"runner": runner, "mode": "hang"})]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = work / "backends" / probe_backend.NAME / "started"
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1][-3000:]
            time.sleep(0.1)
        pgid = _leader(probe)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert wait_gone(int((probe / "child.pid").read_text())) and not group_alive(pgid)


def _leader(folder: Path) -> int:
    """The process group of the stand-in's worker child (= the server's pid)."""
    child = int((folder / "child.pid").read_text())
    with open(f"/proc/{child}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[2])


def test_without_the_adapter_the_error_says_what_to_install(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "evalscope.cli.main", "eval", "--model", "org/m", "--eval-type",
                           "vllm", "--eval-backend", "VLMEvalKit", "--datasets", "DocVQA_VAL", "--work-dir",
                           str(tmp_path / "w")], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "'vllm' is provided by a plugin that is not installed" in done.stderr and "./adapters/vllm" in done.stderr
