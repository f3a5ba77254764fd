"""Helpers of the vLLM adapter tests: a stand-in ``vllm`` on PATH, process-group checks."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
ADAPTER = REPO / "adapters" / "vllm"
FAKE = Path(__file__).resolve().parent / "fake_vllm.py"
if str(ADAPTER) not in sys.path:
    sys.path.insert(0, str(ADAPTER))

from evalscope_vllm.server import free_port, group_alive  # noqa: E402,F401  (a free loopback port; live members of a group)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def fake_vllm(tmp_path, monkeypatch):
    """A ``vllm`` executable first on PATH; returns the folder where it writes its argv and child pid."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "vllm"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} \"$@\"\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), str(ADAPTER)]))
    monkeypatch.setenv("FAKE_VLLM_ARGV", str(tmp_path / "argv.json"))
    monkeypatch.setenv("FAKE_VLLM_CHILD", str(tmp_path / "child.pid"))
    monkeypatch.setenv("FAKE_VLLM_MODE", "ok")
    return tmp_path
