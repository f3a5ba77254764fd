"""The viewer served by uvicorn on 127.0.0.1 in a thread, and real runs made with the CLI (shared by the app's
integration and browser tests)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import pytest

pytest.importorskip("starlette", reason="the app extra (starlette) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the app extra (uvicorn) is not installed")

from evalscope.app.server import create_app  # noqa: E402
from evalscope.report.store import RunStore  # noqa: E402

LOOPBACK = ["127.0.0.1", "localhost", "[::1]"]


class AppServer:
    def __init__(self, roots: list[Path], token: Optional[str] = None, store: Optional[RunStore] = None) -> None:
        self.store = store or RunStore(roots)
        app = create_app(self.store, token=token, allowed_hosts=LOOPBACK)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not (self.server.started and self.server.servers):
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str, headers: Optional[dict] = None, method: str = "GET") -> tuple[int, dict, bytes]:
        req = urllib.request.Request(self.url + path, headers=headers or {}, method=method)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def make_eval_run(work: Path, *extra: str, model: str = "mock-model") -> Path:
    """A real `evalscope eval` with the mock model; returns the run directory."""
    cmd = [sys.executable, "-m", "evalscope", "eval", "--model", model, "--eval-type", "mock_llm",
           "--datasets", "demo_arith", "--work-dir", str(work), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    [run] = [p for p in work.iterdir() if p.is_dir()] if "--no-timestamp" not in extra else [work]
    return run


def make_perf_sweep(outputs: Path) -> Path:
    """A real `evalscope perf` sweep (concurrency 1 and 2) against the mock server; returns the sweep folder."""
    from evalscope.perf.mock_server import run_in_thread

    prompts = outputs / "q.jsonl"
    outputs.mkdir(parents=True, exist_ok=True)
    prompts.write_text("".join(json.dumps({"question": f"question {i}"}) + "\n" for i in range(10)))
    with run_in_thread(ttft_ms=5, itl_ms=1, output_tokens=4) as srv:
        cmd = [sys.executable, "-m", "evalscope", "perf", "--url", srv.url + "/chat/completions", "--model", "mock",
               "--parallel", "1", "2", "-n", "4", "6", "--stream", "--dataset", "openqa", "--dataset-path",
               str(prompts), "--outputs-dir", str(outputs / "perf"), "--no-timestamp", "--name", "sweep",
               "--log-every-n-query", "0"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return outputs / "perf" / "sweep"
