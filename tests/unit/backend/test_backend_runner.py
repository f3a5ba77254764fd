"""The external-backend runner: in-process and isolated, and every way a harness can fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.backend import envs
from evalscope.backend.base import RunContext
from evalscope.backend.external import ExternalRunner, ExternalSpec, choose_runner, split_options
from evalscope.config import TaskConfig
from evalscope.display import NullDisplay
from evalscope.errors import ConfigError, RunFailed, UsageError
from evalscope.run_dir import RunDir
from evalscope.secrets import MASK

HERE = Path(__file__).parent
SPEC = ExternalSpec(name="Fake", env="fake", distribution="fake-harness",
                    entry="fake_harness_plugin:FakeBackend", source="backends/fake")


def run(tmp_path: Path, mode: str, runner: str, timeout: float = 60):
    task = TaskConfig(eval_backend="Fake", api_key="sk-outer",
                      eval_config={"mode": mode, "runner": runner, "timeout": timeout, "api_key": "sk-inner"})
    run_dir = RunDir(tmp_path / "run").create()
    reports = ExternalRunner(SPEC).run(RunContext(task=task, run_dir=run_dir, display=NullDisplay()))
    return reports, run_dir


def all_text(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_ok_run_writes_reports_and_no_secret(plugin_env, runner):
    reports, run_dir = run(plugin_env, "ok", runner)
    assert [r.score for r in reports] == [0.5]
    assert reports[0].backend == "Fake"
    assert reports[0].extra["secret_ok"] is True
    assert (run_dir.reports / reports[0].model_name / "fake.json").exists()
    native = json.loads((run_dir.backend_dir("Fake") / "native_config.json").read_text())
    assert native["api_key"] == MASK
    text = all_text(run_dir.root)
    assert "sk-inner" not in text and "sk-outer" not in text
    if runner == "isolated":
        assert "fake harness starting" in (run_dir.logs / "fake_backend.log").read_text()


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_empty_results_are_a_failure(plugin_env, runner):
    with pytest.raises(RunFailed, match="no results"):
        run(plugin_env, "empty", runner)


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_harness_exception_is_a_failed_job(plugin_env, runner):
    with pytest.raises(RunFailed, match="boom in the harness"):
        run(plugin_env, "raise", runner)


@pytest.mark.parametrize("mode,what", [("crash", "signal SIGABRT"), ("oom", "out of memory"),
                                       ("exit", "exited with code 3")])
def test_isolated_crash_is_a_failed_job_with_its_log(plugin_env, mode, what):
    with pytest.raises(RunFailed, match=what) as info:
        run(plugin_env, mode, "isolated")
    message = str(info.value)
    assert "fake_backend.log" in message and "fake harness starting" in message


def test_isolated_hang_times_out(plugin_env):
    with pytest.raises(RunFailed, match=r"timed out after 3s") as info:
        run(plugin_env, "hang", "isolated", timeout=3)
    assert "fake harness starting" in str(info.value)


def test_choice_is_automatic_and_overridable(plugin_env, monkeypatch):
    assert choose_runner(SPEC, "auto") == "inprocess"
    assert choose_runner(SPEC, "isolated") == "isolated"
    missing = ExternalSpec(name="Nope", env="nope", distribution="nope", entry="no_such_mod:X", source="backends/nope")
    with pytest.raises(UsageError, match="evalscope backend install nope"):
        choose_runner(missing, "auto")
    with pytest.raises(UsageError, match="not importable"):
        choose_runner(missing, "inprocess")
    monkeypatch.setenv("EVALSCOPE_BACKEND_RUNNER", "isolated")
    assert split_options({"a": 1}, "X").runner == "isolated"
    assert split_options({"a": 1, "runner": "inprocess"}, "X").runner == "inprocess"
    with pytest.raises(ConfigError, match="runner"):
        split_options({"runner": "docker"}, "X")
    with pytest.raises(ConfigError, match="needs an eval_config"):
        split_options(None, "X")


def test_backend_list_and_help_stay_light():
    import subprocess

    code = ("import sys, evalscope.cli.main as m; m.build_parser(); "
            "from evalscope.registry import registry; registry.names('backend'); "
            "heavy = [x for x in ('torch', 'mteb', 'sentence_transformers', 'evalscope_rag') if x in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_install_needs_the_repository_files(tmp_path, monkeypatch):
    monkeypatch.setenv(envs.BACKENDS_DIR_ENV, str(tmp_path / "envs"))
    with pytest.raises(UsageError, match="pass --source"):
        envs.install(SPEC, tmp_path)
    assert not envs.is_installed("fake")


def test_backend_cli_names_the_known_backends():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "evalscope.cli.main", "backend", "install", "nope"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "unknown backend" in done.stderr and "rag" in done.stderr


def test_env_built_from_another_core_version_warns(plugin_env, caplog):
    (plugin_env / "envs" / "fake" / envs.MARKER).write_text('{"core_version": "0.0.1"}')
    with caplog.at_level("WARNING"):
        envs.check_core_version("fake")
    assert "evalscope backend install fake --force" in caplog.text


def test_backend_install_of_a_planned_backend_says_so(monkeypatch):
    from evalscope.backend.external import find_spec
    from evalscope.registry import KNOWN_PLUGINS

    monkeypatch.setitem(KNOWN_PLUGINS, ("backend", "helm"), "the HELM backend: evalscope backend install helm")
    with pytest.raises(UsageError, match=r"does not ship yet \(no backends/helm\)"):
        find_spec("helm")
