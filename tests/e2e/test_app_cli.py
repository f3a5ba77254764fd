"""`evalscope app` and `evalscope report --html` as a user runs them."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest


def evalscope(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evalscope", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    work = tmp_path_factory.mktemp("outputs")
    done = evalscope("eval", "--model", "mock-model", "--eval-type", "mock_llm", "--datasets", "demo_arith",
                     "--work-dir", str(work))
    assert done.returncode == 0, done.stderr
    return work


def test_eval_writes_the_html_report(outputs):
    [run] = list(outputs.iterdir())
    text = (run / "reports" / "report.html").read_text()
    assert "demo_arith" in text and "<svg" in text


def test_report_html_command(outputs, tmp_path):
    [run] = list(outputs.iterdir())
    out = tmp_path / "r.html"
    done = evalscope("report", "--html", str(run), str(run), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().count("<section>") == 1  # the same run named twice is shown once
    bad = evalscope("report", "--html", str(tmp_path))
    assert bad.returncode == 2 and "not a run directory" in bad.stderr


def test_non_loopback_host_needs_a_token(outputs):
    done = evalscope("app", "--outputs", str(outputs), "--host", "0.0.0.0")
    assert done.returncode == 2 and "--token" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    short = evalscope("app", "--outputs", str(outputs), "--token", "abc")
    assert short.returncode == 2 and "at least 8" in short.stderr
    missing = evalscope("app", "--outputs", str(outputs / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_app_serves_the_run(outputs):
    pytest.importorskip("uvicorn", reason="the app extra is not installed")
    proc = subprocess.Popen([sys.executable, "-m", "evalscope", "app", "--outputs", str(outputs), "--port", "0"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 30
        while "http://" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        url = line.split("evalscope app: ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert "mock-model" in resp.read().decode()
    finally:
        proc.terminate()
        proc.wait(10)
