"""The mock server's kernel-stamped connections: applied times count from the request's arrival in
the kernel, even while the server's event loop is busy, and big bodies get through the write buffer."""

import json
import socket
import sys
import time
import urllib.request

import pytest

from evalscope.perf.mock_server import run_in_thread
from evalscope.perf.mock_server.stamped import StampedServer, kernel_stamps_supported, kernel_to_perf

linux_only = pytest.mark.skipif(not kernel_stamps_supported(), reason="SO_TIMESTAMPNS is Linux-only")


def chat(text, **kw):
    return {"model": "mock-model", "messages": [{"role": "user", "content": text}], **kw}


def _send_raw(port: int, body: dict) -> tuple[socket.socket, float]:
    """Send one HTTP request; returns the socket and the perf_counter time just before the send."""
    data = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    sent = time.perf_counter()
    sock.sendall(head + data)
    return sock, sent


def _read_until(sock: socket.socket, marker: bytes, timeout: float = 10.0) -> tuple[bytes, float]:
    """Read until ``marker`` appears; returns the bytes and the perf_counter time it appeared."""
    sock.settimeout(timeout)
    buf = b""
    while marker not in buf:
        piece = sock.recv(65536)
        if not piece:
            break
        buf += piece
    return buf, time.perf_counter()


@linux_only
def test_applied_ttft_counts_from_kernel_arrival_while_the_loop_is_blocked():
    with run_in_thread(ttft_ms=300, itl_ms=0, output_tokens=2) as server:
        server._loop.call_soon_threadsafe(time.sleep, 0.2)  # the server's loop is busy for 200 ms
        time.sleep(0.02)
        sock, sent = _send_raw(server.port, chat("hi", stream=True))
        try:
            raw, first = _read_until(sock, b'"delta":{"content":"')  # the first content chunk
        finally:
            sock.close()
        seen_ms = (first - sent) * 1000
        applied = [r for r in server.stats(requests=True)["requests"] if r.get("status") == 200]
    assert len(applied) == 1
    # the 200 ms the request waited in the socket buffer is part of the 300 ms, as a real client sees it
    assert applied[0]["ttft_ms"] == pytest.approx(300, abs=15)
    assert seen_ms == pytest.approx(applied[0]["ttft_ms"], abs=15)
    assert seen_ms < 450, "the server counted its TTFT from when its loop read the request, not from its arrival"


def test_large_bodies_pass_the_write_buffer_and_requests_keep_alive():
    with run_in_thread(output_tokens=300_000) as server:  # ~1-2 MB non-stream body: more than a socket buffer
        for _ in range(2):  # urllib opens a new connection each time; the server must accept again
            req = urllib.request.Request(server.url + "/chat/completions", data=json.dumps(chat("long")).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                body = json.loads(resp.read())
            assert body["usage"]["completion_tokens"] == 300_000
        assert server.stats()["total_requests"] == 2


@linux_only
def test_kernel_clock_is_moved_onto_perf_counter():
    now_ns = time.time_ns()
    converted = kernel_to_perf(now_ns - 5_000_000)  # a stamp 5 ms ago
    assert time.perf_counter() - converted == pytest.approx(0.005, abs=0.002)
    assert kernel_to_perf(time.time_ns() + 10**9) <= time.perf_counter()  # never in the future


def test_server_listens_on_loopback_and_closes():
    if sys.platform == "win32":
        pytest.skip("add_reader needs a selector loop")
    server = StampedServer(lambda: None, "127.0.0.1", 0)  # type: ignore[arg-type, return-value]
    assert server.port > 0
    server.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = run_in_thread(host="::1")
    except RuntimeError as exc:
        pytest.skip(f"IPv6 loopback unavailable: {exc}")
    with server:
        assert server.root.startswith("http://[::1]:")
        with urllib.request.urlopen(server.root + "/health", timeout=5) as resp:
            assert resp.status == 200
