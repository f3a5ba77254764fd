"""Issue 8: bad input to `evalscope perf` / `evalscope mock-server` is one line on stderr, exit code 2."""

import subprocess
import sys

import pytest

URL = "http://127.0.0.1:9/v1/chat/completions"  # never reached: every case fails before any request


def run(*argv, timeout=60):
    return subprocess.run([sys.executable, "-m", "evalscope", *argv], capture_output=True, text=True,
                          timeout=timeout)


def one_line(proc, *needles):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and " INFO " not in ln]  # progress log lines
    assert len(lines) == 1 and lines[0].startswith("evalscope: error:"), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def cases(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9 question\n")
    return tmp_path, afile, bad


def perf(tmp_path, *argv):
    return run("perf", "--url", URL, "--model", "m", "-n", "1", "--no-test-connection",
               "--outputs-dir", str(tmp_path / "out"), *argv)


def test_outputs_dir_that_is_a_file(cases):
    tmp_path, afile, _ = cases
    one_line(run("perf", "--url", URL, "-n", "1", "--prompt", "hi", "--outputs-dir", str(afile)), "is a file")
    assert afile.read_text() == "x"


def test_dataset_path_that_is_a_folder(cases):
    tmp_path, _, _ = cases
    for dataset in ("line_by_line", "openqa", "custom_multi_turn"):
        one_line(perf(tmp_path, "--dataset", dataset, "--dataset-path", str(tmp_path)), "is a folder")


def test_dataset_path_that_is_not_utf8(cases):
    tmp_path, _, bad = cases
    for dataset in ("line_by_line", "openqa"):
        one_line(perf(tmp_path, "--dataset", dataset, "--dataset-path", str(bad)), "not UTF-8", str(bad))
    one_line(perf(tmp_path, "--prompt", f"@{bad}"), "not UTF-8")


@pytest.mark.parametrize("argv,needle", [
    (("--headers", "X-A=é€"), "Latin-1"),
    (("--headers", "X-A=b\r\nX-Injected: yes"), "CR, LF or NUL"),
    (("--url", "http://[::1/v1"), "Invalid IPv6 URL"),
    (("--name", ".."), "one folder name"),
    (("--max-tokens", "0"), "max_tokens"),
    (("--duration", "-1"), "duration"),
    (("--read-timeout", "-1"), "read_timeout"),
    (("--warmup-num", "-1"), "warmup_num"),
])
def test_perf_usage_errors(cases, argv, needle):
    tmp_path, _, _ = cases
    proc = run("perf", "--url", URL, "-n", "1", "--prompt", "hi", "--outputs-dir", str(tmp_path / "out"), *argv) \
        if argv[0] == "--url" else perf(tmp_path, "--prompt", "hi", *argv)
    one_line(proc, needle)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.db"))


def test_mock_server_bad_port_and_host():
    one_line(run("mock-server", "--port", "99999"), "port", "65535")
    one_line(run("mock-server", "--host", "no-such-host.invalid", timeout=60), "cannot listen on no-such-host.invalid")
