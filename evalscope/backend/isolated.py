"""Run an external backend as a subprocess in its own virtual environment.

The core writes ``backends/<name>/job.json`` (the task masked by the one secret policy,
``TaskConfig.to_safe_dict``; the run directory; the plugin's entry) and starts
``<env>/bin/python -m evalscope.backend.job job.json --secrets-stdin``; the values the masking
replaced travel on the child's stdin, never in a file or in the environment. The child's
stdout and stderr are streamed to ``logs/<env>_backend.log`` (its pid is in ``job.pid``); it writes its reports with
``write_report`` and a ``result.json`` naming them. Whatever happens to the child - an exception,
a crash, a kill by the OOM killer, a hang past ``timeout`` - the core ends with a ``RunFailed``
naming the log and quoting its last lines, or with the reports it read back.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict

from evalscope.errors import RunFailed

if TYPE_CHECKING:
    from evalscope.backend.external import ExternalSpec
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)

SECRETS_FLAG = "--secrets-stdin"
JOB_SCHEMA_VERSION = 1
LOG_TAIL_LINES = 20


class Job(BaseModel):
    """The job file a child process runs."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = JOB_SCHEMA_VERSION
    """Version of this file's layout."""
    backend: str
    """Backend name (``RAGEval``)."""
    entry: str
    """``module:Class`` of the plugin's ExternalBackend."""
    task: dict[str, Any]
    """The task as plain data, secrets masked (the child restores them from its stdin)."""
    run_dir: str
    """The run directory (absolute)."""
    result_file: str
    """Where the child writes its outcome."""


class JobResult(BaseModel):
    """What the child says happened."""

    model_config = ConfigDict(extra="forbid")

    status: str
    """``ok`` or ``error``."""
    reports: list[str] = []
    """Report files written (absolute paths)."""
    error: Optional[str] = None
    """The error, when ``status`` is ``error``."""
    error_type: Optional[str] = None
    """The error's class name."""
    usage_error: bool = False
    """True when the error is the user's mistake (bad config, missing data)."""


def split_secrets(task: "TaskConfig") -> tuple[dict[str, Any], list[tuple[list[Any], Any]]]:
    """The task as data masked by the one policy (``TaskConfig.to_safe_dict``), and the values the
    masking replaced, as ``(path, value)`` pairs that ``restore_secrets`` puts back."""
    data = task.to_plain_dict()
    masked = task.to_safe_dict()
    found: list[tuple[list[Any], Any]] = []

    def walk(real: Any, shown: Any, path: list[Any]) -> None:
        if isinstance(real, dict) and isinstance(shown, dict) and set(real) == set(shown):
            for key in real:
                walk(real[key], shown[key], [*path, str(key)])
        elif isinstance(real, list) and isinstance(shown, list) and len(real) == len(shown):
            for i, (r, m) in enumerate(zip(real, shown)):
                walk(r, m, [*path, i])
        elif real != shown:
            found.append((path, real))

    walk(data, masked, [])
    return masked, found


def restore_secrets(data: Any, secrets: list[Any]) -> Any:
    """Put the secret values back into the masked data (in memory only)."""
    for path, value in secrets:
        if not path:
            return value
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return data


def _pump(stream: Any, log_path: Path) -> None:
    with open(log_path, "ab") as out:
        for line in iter(stream.readline, b""):
            out.write(line)
            out.flush()
            logger.debug("child: %s", line.decode("utf-8", "replace").rstrip())
    stream.close()


def log_tail(log_path: Path, n: int = LOG_TAIL_LINES) -> str:
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    " + line for line in lines[-n:])


def _failed(what: str, log_path: Path) -> RunFailed:
    tail = log_tail(log_path)
    return RunFailed(f"{what}; log: {log_path}" + (f"\n  last lines:\n{tail}" if tail else ""))


def describe_exit(code: int) -> str:
    if code < 0:
        sig = -code
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = " (killed: out of memory?)" if sig == signal.SIGKILL else ""
        return f"died from signal {name}{hint}"
    if code == 137:
        return "exited with code 137 (killed: out of memory?)"
    return f"exited with code {code}"


def run_isolated(
    spec: "ExternalSpec", task: "TaskConfig", run_dir: "RunDir", timeout: float, python: Optional[str] = None
) -> list["Report"]:
    """Run the job in the plugin's environment; the reports it wrote, or a ``RunFailed``."""
    from evalscope.backend import envs
    from evalscope.errors import UsageError
    from evalscope.report.io import read_report

    envs.check_core_version(spec.env)
    work_dir = run_dir.backend_dir(spec.name).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    run_dir.logs.mkdir(parents=True, exist_ok=True)
    log_path = (run_dir.logs / f"{spec.env}_backend.log").resolve()
    result_path = work_dir / "result.json"
    result_path.unlink(missing_ok=True)
    masked, secrets = split_secrets(task)
    job = Job(backend=spec.name, entry=spec.entry, task=masked,
              run_dir=str(run_dir.root.resolve()), result_file=str(result_path))
    job_path = work_dir / "job.json"
    job_path.write_text(job.model_dump_json(indent=2), encoding="utf-8")

    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["EVALSCOPE_CALLER_CWD"] = os.getcwd()  # the child runs in work_dir: evalscope.backend.paths.caller_path
    cmd = [python or str(envs.env_python(spec.env)), "-m", "evalscope.backend.job", str(job_path), SECRETS_FLAG]
    logger.info("%s: isolated job %s (log %s)", spec.name, job_path, log_path)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            cwd=str(work_dir), start_new_session=True)
    _send_secrets(proc, secrets)
    (work_dir / "job.pid").write_text(str(proc.pid), encoding="utf-8")  # to watch or stop the job
    pump = threading.Thread(target=_pump, args=(proc.stdout, log_path), daemon=True)
    pump.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        pump.join(5)
        raise _failed(f"{spec.name} job timed out after {timeout:g}s and was killed", log_path) from None
    except BaseException:
        _kill_group(proc)
        raise
    pump.join(10)
    elapsed = time.monotonic() - started
    result = _read_result(result_path)
    if result is None:
        raise _failed(f"{spec.name} job {describe_exit(code)} without a result after {elapsed:.0f}s", log_path)
    if result.status != "ok":
        message = f"{spec.name} failed: {result.error_type}: {result.error}"
        if result.usage_error:
            raise UsageError(f"{message} (log: {log_path})")
        raise _failed(message, log_path)
    if code != 0:
        raise _failed(f"{spec.name} job wrote its result but {describe_exit(code)}", log_path)
    if not result.reports:
        raise _failed(f"{spec.name} job reported success but no results", log_path)
    logger.info("%s: isolated job finished in %.1fs with %d reports", spec.name, elapsed, len(result.reports))
    return [read_report(p) for p in result.reports]


def _send_secrets(proc: subprocess.Popen, secrets: list[Any]) -> None:
    """The secret values go to the child on its stdin, then stdin is closed."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(json.dumps(secrets).encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:  # the child died at start; its exit code and log say why
        pass


def _read_result(path: Path) -> Optional[JobResult]:
    try:
        return JobResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        return
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
