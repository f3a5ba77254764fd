"""An isolated job whose evalscope parent dies stops itself (and its process group)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.platform != "linux":
    pytest.skip("process groups and /proc are Linux-only here", allow_module_level=True)

PARENT = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], start_new_session=True)
print(child.pid, flush=True)
time.sleep(120)
"""

JOB = r"""
import os, subprocess, sys, time
from evalscope.backend.job import watch_parent
watch_parent(os.getppid(), interval=0.05, grace=1.0)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # a harness's own worker
print(grandchild.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie nobody reaped has stopped


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def test_the_job_and_its_workers_stop_when_the_parent_is_killed():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, JOB], stdout=subprocess.PIPE, text=True, env=env)
    try:
        job_pid = int(parent.stdout.readline())
        deadline = time.monotonic() + 30
        grandchild = None
        while grandchild is None and time.monotonic() < deadline:  # the job prints its worker's pid on its stdout,
            time.sleep(0.05)                                        # which it shares with the parent
            children = Path(f"/proc/{job_pid}/task/{job_pid}/children")
            text = children.read_text().split() if children.exists() else []
            grandchild = int(text[0]) if text else None
        assert grandchild is not None, "the job did not start its worker"
        assert _alive(job_pid) and _alive(grandchild)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _wait_gone([job_pid, grandchild], timeout=15) == []
    finally:
        parent.kill()
        parent.wait()


def test_a_live_parent_keeps_the_job_running():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, "-c", PARENT, JOB], stdout=subprocess.PIPE, text=True, env=env)
    try:
        job_pid = int(parent.stdout.readline())
        time.sleep(1.0)  # 20 watch intervals
        assert _alive(job_pid)
    finally:
        try:
            os.killpg(job_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        parent.kill()
        parent.wait()
