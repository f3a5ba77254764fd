"""The local sandbox: each program in its own short-lived process, namespaces and limits.

What it does, per program:

- a separate process (``unshare``) in new **network**, **PID** and **mount** namespaces: the network namespace has
  no interface up (not even loopback), so every connection attempt fails; when the program ends or is killed,
  the kernel kills every process it started (PID namespace);
- private, size-limited tmpfs mounts over ``/tmp``, ``/var/tmp`` and ``/dev/shm``; the working directory is a
  fresh directory inside that tmpfs, gone when the program ends; ``/proc`` is the new PID namespace's (the
  host's processes and their command lines are not visible);
- when evalscope runs as root, the program runs as a random unprivileged uid (no supplementary groups), so it
  can write nowhere but its own directory and world-writable places (which are private tmpfs above);
- ``RLIMIT_CPU`` (CPU seconds), ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE`` (file size), ``RLIMIT_NOFILE``,
  ``RLIMIT_NPROC`` (processes of that uid: a fork bomb stops there), no core dumps; a wall-clock timeout after
  which the whole namespace is killed; stdout/stderr captured and cut at ``max_output_bytes``;
- at most ``os.cpu_count()`` programs at once (one semaphore per process).

Without root, the namespaces are made inside a new **user** namespace (``unshare --user --map-root-user``) where
the OS allows it; the program then runs as the caller's own uid: the process limit counts the caller's other
processes too (it is set to their count plus the limit) and the program can write wherever the caller can,
except the private temporary directories. Where neither way is possible the sandbox refuses to run, unless the
user asks for ``sandbox: unsafe-local`` (the limits and a throwaway directory, in a plain child process: no
network isolation, no private /tmp).

What it does **not** protect against: reading any file the uid may read (the source tree, world-readable data;
in ``unsafe-local`` mode also the host's ``/proc``); kernel exploits and side channels; the program using all the CPU time it is given on every core
(CPU is shared, not reserved); memory outside the address-space limit such as the page cache, tmpfs contents
up to ``tmp_bytes`` and kernel memory; a program that is not hostile but slow being judged a failure under
load. It is no substitute for a container or VM for code from an untrusted party that targets the machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

from evalscope.errors import ConfigError
from evalscope.sandbox import _runner

logger = logging.getLogger(__name__)

SandboxMode = Literal["local", "unsafe-local"]
RUNNER = Path(_runner.__file__).resolve()
UID_RANGE = (1 << 20, 1 << 30)
"""Throwaway uids are drawn from here: no account has them, so no file belongs to them."""


class SandboxLimits(BaseModel):
    """The limits one program runs under."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: float = 10.0
    """Wall-clock seconds before the program and everything it started are killed."""
    cpu_seconds: int = 10
    """CPU seconds per process (``RLIMIT_CPU``)."""
    memory_bytes: int = 1 << 30
    """Address space per process (``RLIMIT_AS``)."""
    file_bytes: int = 16 << 20
    """Largest file it may write (``RLIMIT_FSIZE``)."""
    tmp_bytes: int = 64 << 20
    """Size of each private tmpfs (its working directory lives in the one on ``/tmp``)."""
    processes: int = 64
    """Processes and threads of its uid (``RLIMIT_NPROC``)."""
    open_files: int = 256
    """Open file descriptors (``RLIMIT_NOFILE``)."""
    max_output_bytes: int = 64 << 10
    """Captured bytes kept of stdout and of stderr each (the rest is read and dropped)."""


class ExecResult(BaseModel):
    """What came of one program."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "failed", "timeout", "sandbox_error"]
    """``ok``: exit code 0; ``failed``: another exit code or a signal; ``timeout``: killed at the wall-clock or
    CPU limit; ``sandbox_error``: the sandbox itself could not run it."""
    returncode: Optional[int] = None
    """Exit code (negative: the signal that ended it)."""
    stdout: str = ""
    """Captured standard output (cut at the limit)."""
    stderr: str = ""
    """Captured standard error (cut at the limit)."""
    duration: float = 0.0
    """Wall-clock seconds."""

    @property
    def passed(self) -> bool:
        return self.status == "ok"


class SandboxUnavailable(ConfigError):
    """This machine cannot isolate programs, and ``unsafe-local`` was not asked for."""


@lru_cache(maxsize=1)
def isolation() -> Optional[str]:
    """How this machine isolates programs: ``root`` (namespaces as real root), ``userns`` (inside a user
    namespace), or ``None``."""
    import subprocess

    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    base = [unshare, "--net", "--pid", "--mount", "--fork", "--kill-child"]
    ways = ([("root", base)] if os.geteuid() == 0 else []) + [("userns", base + ["--user", "--map-root-user"])]
    for name, cmd in ways:
        try:
            done = subprocess.run([*cmd, "true"], capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return name
        logger.debug("sandbox: %s isolation unavailable: %s", name, done.stderr.decode(errors="replace").strip())
    return None


def _reachable_by_others(path: str) -> bool:
    """Whether a uid that owns nothing may execute ``path`` (every directory above it searchable by others)."""
    p = Path(path)
    try:
        return bool(p.stat().st_mode & 0o001) and all(d.stat().st_mode & 0o001 for d in p.parents)
    except OSError:
        return False


def _own_processes() -> int:
    """Processes and threads of the caller's uid (what ``RLIMIT_NPROC`` counts for it)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


class LocalSandbox:
    """Runs Python programs under the limits; ``await run(code)`` -> ``ExecResult``."""

    _slots: Optional[asyncio.Semaphore] = None
    _slots_loop: Optional[asyncio.AbstractEventLoop] = None

    def __init__(self, mode: SandboxMode = "local", limits: Optional[SandboxLimits] = None) -> None:
        self.limits = limits or SandboxLimits()
        self.isolation = isolation() if mode == "local" else None
        self.python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        if mode == "local" and self.isolation is None:
            raise SandboxUnavailable(
                "sandbox: this machine cannot isolate model-written code (unshare of network, PID and mount "
                "namespaces is not permitted); run where it is, or pass --sandbox unsafe-local to run it with "
                "resource limits only, without network isolation")
        if mode == "unsafe-local" and os.geteuid() == 0 and not _reachable_by_others(self.python):
            found = [os.path.realpath(p) for p in ("/usr/bin/python3", "/usr/local/bin/python3")]
            system = next((p for p in found if _reachable_by_others(p)), "")
            if not system:
                raise SandboxUnavailable(f"sandbox: unsafe-local: no Python interpreter that an unprivileged uid may "
                                         f"run ({self.python} is not); install python3 system-wide")
            self.python = system
        if mode == "unsafe-local":
            logger.warning("sandbox: unsafe-local: model-written code runs with resource limits only "
                           "(no network isolation, no private /tmp)")

    @classmethod
    def _semaphore(cls) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if cls._slots is None or cls._slots_loop is not loop:
            cls._slots = asyncio.Semaphore(max(1, len(os.sched_getaffinity(0))))
            cls._slots_loop = loop
        return cls._slots

    def _command(self, config: Path) -> list[str]:
        runner = [self.python, "-I", str(RUNNER), str(config)]
        if self.isolation is None:
            return runner
        cmd = ["unshare", "--net", "--pid", "--mount", "--fork", "--kill-child"]
        if self.isolation == "userns":
            cmd += ["--user", "--map-root-user"]
        return cmd + runner

    def _config(self, tmp: Path, program: Path) -> dict:
        lim = self.limits
        root = os.geteuid() == 0
        processes = lim.processes if root else lim.processes + _own_processes()
        home = os.path.realpath(sys.base_prefix)
        return {"program": str(program), "workdir": str(tmp / "work"), "private_tmp": self.isolation is not None,
                "python_home": home, "python_rel": os.path.relpath(self.python, home),
                "uid": secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0] if root else None,
                "python": self.python, "cpu_seconds": lim.cpu_seconds, "memory_bytes": lim.memory_bytes,
                "file_bytes": lim.file_bytes, "tmp_bytes": lim.tmp_bytes, "processes": processes,
                "open_files": lim.open_files}

    async def run(self, code: str) -> ExecResult:
        """Run ``code`` (Python source) and report how it ended; never raises for what the program does."""
        async with self._semaphore():
            tmp = Path(tempfile.mkdtemp(prefix="evalscope-sandbox-"))
            try:
                (tmp / "work").mkdir()
                program = tmp / "program.py"
                program.write_text(code, encoding="utf-8")
                config = self._config(tmp, program)
                (tmp / "config.json").write_text(json.dumps(config), encoding="utf-8")
                if config["uid"] is not None and not config["private_tmp"]:
                    tmp.chmod(0o711)
                    os.chown(tmp / "work", config["uid"], config["uid"])
                return await self._execute(self._command(tmp / "config.json"), config)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    async def _execute(self, cmd: list[str], config: dict) -> ExecResult:
        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            return ExecResult(status="sandbox_error", stderr=f"sandbox: cannot start: {exc}")
        cap = self.limits.max_output_bytes
        readers = [asyncio.ensure_future(_read_capped(s, cap)) for s in (proc.stdout, proc.stderr)]
        timed_out = False
        try:
            await asyncio.wait_for(proc.wait(), self.limits.timeout)
        except asyncio.TimeoutError:
            timed_out = True
        finally:
            if proc.returncode is None or timed_out:
                self._kill(proc, config)
            await proc.wait()
        if config["uid"] is not None and not config["private_tmp"]:
            await asyncio.get_running_loop().run_in_executor(None, _kill_uid, config["uid"])
        try:
            stdout, stderr = await asyncio.wait_for(asyncio.gather(*readers), 5)
        except asyncio.TimeoutError:  # a descendant escaped and holds the pipes: unsafe-local only
            for r in readers:
                r.cancel()
            stdout = stderr = b""
        return _result(proc.returncode, stdout, stderr, time.monotonic() - started, timed_out)

    @staticmethod
    def _kill(proc: asyncio.subprocess.Process, config: dict) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what an unsafe-local program left behind), from a child that is ``uid``."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(500):  # stopped processes cannot fork: stop them all, then kill, until none is left
                try:
                    os.kill(-1, signal.SIGSTOP)
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
                time.sleep(0.005)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


async def _read_capped(stream: Optional[asyncio.StreamReader], cap: int) -> bytes:
    if stream is None:
        return b""
    kept = bytearray()
    while chunk := await stream.read(1 << 16):
        if len(kept) < cap:
            kept += chunk[: cap - len(kept)]
    return bytes(kept)


def _result(code: Optional[int], stdout: bytes, stderr: bytes, duration: float, timed_out: bool) -> ExecResult:
    out, err = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
    if code == _runner.SETUP_FAILED and err.startswith("sandbox:"):
        status = "sandbox_error"
    elif timed_out or code in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        status = "timeout"
    elif code == 0:
        status = "ok"
    else:
        status = "failed"
    # unshare --fork reports a child killed by signal N as exit code 128 + N
    if code is not None and code > 128 and code - 128 in {s.value for s in signal.Signals}:
        code = -(code - 128)
    return ExecResult(status=status, returncode=code, stdout=out, stderr=err, duration=round(duration, 4))
