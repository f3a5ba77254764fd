"""The managed ``vllm serve``: started on a free loopback port in its own process group, ready when
``/health`` and ``/v1/models`` answer, always stopped (SIGTERM to the group, SIGKILL after a grace time).

Stopping is tied to every way out: ``stop()`` (idempotent), an ``atexit`` hook, a SIGTERM handler that
turns the signal into ``SystemExit`` so ``finally`` blocks run, and on Linux the child's parent-death
signal, so even a SIGKILLed evalscope leaves no server holding the GPU.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Optional

from evalscope.errors import ConfigError, RunFailed
from evalscope_vllm.args import HOST, VllmArgs, likely_cause, serve_command

logger = logging.getLogger(__name__)
TAIL_LINES = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def find_executable(args: VllmArgs) -> str:
    """``model_args.vllm_executable`` or ``vllm`` on PATH, or a one-line ``ConfigError``."""
    name = args.vllm_executable or "vllm"
    found = shutil.which(name)
    if found is None:
        where = f"model_args.vllm_executable {name!r}" if args.vllm_executable else "`vllm` on PATH"
        raise ConfigError(f"eval_type vllm: {where} not found; pip install ./adapters/vllm (brings vllm, needs a "
                          "GPU) or set model_args.vllm_executable")
    return found


def tail(path: Path, n: int = TAIL_LINES) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VllmServer:
    """One ``vllm serve`` child; ``with VllmServer(...) as server: server.base_url``."""

    def __init__(self, model: str, served_name: str, args: VllmArgs, log_path: Path,
                 port: Optional[int] = None) -> None:
        self.model, self.served_name, self.args, self.log_path = model, served_name, args, log_path
        self.executable = find_executable(args)
        self.port = port or free_port()
        self.command = serve_command(self.executable, model, self.port, served_name, args)
        self.process: Optional[subprocess.Popen] = None
        self._log: Optional[IO[bytes]] = None
        self._previous_sigterm: object = None

    @property
    def pid(self) -> Optional[int]:
        """The server's pid (and process group id), ``None`` when it is not running."""
        return self.process.pid if self.process is not None else None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def __enter__(self) -> "VllmServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and wait until it is ready; on failure it is stopped and ``RunFailed`` raised."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        logger.info("starting vLLM: %s (log: %s)", " ".join(self.command), self.log_path)
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, preexec_fn=_die_with_parent, close_fds=True)
        atexit.register(self.stop)
        self._catch_sigterm()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        logger.info("vLLM ready at %s (pid %d)", self.base_url, self.process.pid)

    def _catch_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_sigterm(signum: int, frame: object) -> None:
            raise SystemExit(128 + signum)  # unwinds through finally blocks, which stop the server

        self._previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm)

    def _failure(self, what: str) -> RunFailed:
        log = tail(self.log_path)
        cause = likely_cause(log)
        because = f" Likely cause: {cause}." if cause else ""
        return RunFailed(f"vLLM server {what}.{because} Log: {self.log_path}; its last lines:\n{log}")

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.args.startup_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise self._failure(f"exited with code {code} before it was ready")
            if self._ready():
                return
            if time.monotonic() > deadline:
                raise self._failure(f"not ready after {self.args.startup_timeout:g}s (model_args.startup_timeout)")
            time.sleep(0.25)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.port}/health", timeout=2) as resp:
                if resp.status != 200:
                    return False
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                ids = [m.get("id") for m in json.loads(resp.read()).get("data", [])]
        except (OSError, ValueError, urllib.error.URLError):
            return False
        return self.served_name in ids

    def alive(self, grace: float = 0.0) -> bool:
        """Whether the server still runs (waiting up to ``grace`` seconds for an exit in progress)."""
        proc = self.process
        if proc is None:
            return False
        try:
            proc.wait(timeout=grace) if grace else proc.poll()
        except subprocess.TimeoutExpired:
            pass
        return proc.returncode is None

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after ``stop_timeout``; safe to call twice."""
        proc, self.process = self.process, None
        if proc is not None:
            _stop_group(proc, self.args.stop_timeout)
            logger.info("vLLM server stopped (pid %d, exit code %s)", proc.pid, proc.returncode)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._previous_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._previous_sigterm)  # type: ignore[arg-type]
            self._previous_sigterm = None
        atexit.unregister(self.stop)


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in group ``pgid`` (/proc on Linux, else killpg 0)."""
    proc_dir = Path("/proc")
    if not (proc_dir / "self" / "stat").exists():
        return _signal_group(pgid, 0)
    for stat in proc_dir.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            return True
    return False


def _stop_group(proc: subprocess.Popen, grace: float) -> None:
    pgid = proc.pid  # the child called setsid: its pid is its group's id
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if proc.poll() is not None and not group_alive(pgid):
            return
        time.sleep(0.1)
    _signal_group(pgid, signal.SIGKILL)  # what ignored SIGTERM (the leader or a straggling worker)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        logger.warning("vLLM server pid %d did not exit after SIGKILL", proc.pid)
    deadline = time.monotonic() + 5
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
