"""Issue 8, defect 14: a server that accepts and never answers fails each request at the read timeout."""

import socket
import threading

import pytest
from perf_cli_helpers import perf  # noqa: F401


@pytest.fixture
def silent():
    """A TCP server on 127.0.0.1 that accepts, reads, and never answers."""
    sock = socket.create_server(("127.0.0.1", 0))
    conns, stop = [], threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(sock.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1/chat/completions"
    stop.set()
    t.join(2)
    for c in conns:
        c.close()
    sock.close()


@pytest.mark.parametrize("transport", ["fast", "aiohttp"])
def test_silent_server_fails_at_the_read_timeout(perf, silent, transport):  # noqa: F811
    run = perf("--url", silent, "--model", "m", "--parallel", "2", "-n", "2", "--prompt", "hi",
               "--no-test-connection", "--read-timeout", "1", "--transport", transport, name=transport, timeout=30)
    assert run.rc == 1, run.stderr  # no request succeeded
    rows = run.rows(2, 2)
    assert [r["error"] for r in rows] == ["read timeout: no data for 1 s (--read-timeout)"] * 2
    assert all(0.9 < r["completed_time"] - r["start_time"] < 5 for r in rows)
