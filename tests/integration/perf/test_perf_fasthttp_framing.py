"""HTTP/1.1 framing of the built-in client against raw servers: interim 1xx heads, bodiless statuses,
bytes past Content-Length, bad Content-Length, Transfer-Encoding with Content-Length."""

import asyncio
import json
import logging
from time import perf_counter

import pytest

from evalscope.perf.apis.openai import OpenAIApi
from evalscope.perf.arguments import PerfArgs
from evalscope.perf.fasthttp import Transport
from evalscope.wire.http1 import Exchange
from evalscope.perf.response import ResponseParser

API = OpenAIApi(PerfArgs())
BODY = json.dumps({"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}).encode()
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
TIMEOUT = 5  # total timeout of a request: a framing bug shows as a wait this long


async def read_request(reader) -> bool:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return False
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
    await reader.readexactly(length)
    return True


def exchange(replies, n=1):
    """Serve each request on a connection with the next of ``replies`` (a list of writes, or a callable of the
    request index giving one), keep connections open; send ``n`` requests one after another.
    Returns ([(status, error, parse error, text, seconds)], connections opened)."""
    conns, served, handlers = [], [], []

    async def handler(reader, writer):
        conns.append(writer)
        handlers.append(asyncio.current_task())
        try:
            while await read_request(reader):
                served.append(1)
                for part in replies(len(served) - 1) if callable(replies) else replies:
                    if isinstance(part, float):
                        await asyncio.sleep(part)
                    else:
                        writer.write(part)
                        await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t = Transport(f"http://127.0.0.1:{port}/v1/chat/completions", {}, None, None, TIMEOUT)
        out = []
        for _ in range(n):
            p = ResponseParser(API, stream=False)
            t0 = perf_counter()
            status, end, error = await t.request(b"{}", p, t0)
            out.append((status, error, p.finish(end) if error is None else None, "".join(p.texts),
                        perf_counter() - t0))
            await asyncio.sleep(0.1)  # longer than any pause of the server: late stray bytes arrive while idle
        t.close()
        server.close()
        for w in conns:
            w.close()
        await asyncio.wait(handlers, timeout=2)
        return out

    results = asyncio.run(main())
    return results, len(conns)


@pytest.mark.parametrize("interim", [
    [b"HTTP/1.1 100 Continue\r\n\r\n" + OK],  # interim and final head in one read
    [b"HTTP/1.1 100 Continue\r\n\r\n", 0.05, OK],  # in two
    [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n", 0.05, OK[:10], 0.05, OK[10:]],
])
def test_interim_heads_are_skipped(interim):
    results, conns = exchange(interim, n=2)
    assert [r[:4] for r in results] == [(200, None, None, "ok")] * 2 and conns == 1


def test_switching_protocols_is_an_error():
    results, _ = exchange([b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"])
    status, error, _, _, seconds = results[0]
    assert status == 101 and "101" in error and "not supported" in error and seconds < 2


@pytest.mark.parametrize("head", [b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"])
def test_bodiless_status_ends_at_the_head(head):
    results, conns = exchange([head], n=2)  # the server keeps the connection open, with no Content-Length
    code = int(head.split()[1])
    assert [(s, e) for s, e, *_ in results] == [(code, f"HTTP {code}: ")] * 2
    assert all(r[4] < 2 for r in results)
    assert conns == 1  # the same connection serves the next request


@pytest.mark.parametrize("writes", [[OK + b"GARBAGE"], [OK, 0.02, b"GARBAGE"]], ids=["same-read", "later-read"])
def test_bytes_past_content_length_are_not_the_body(writes):
    results, conns = exchange(writes, n=2)
    assert [r[:4] for r in results] == [(200, None, None, "ok")] * 2
    assert conns == 2  # the connection with stray bytes was closed, not reused


@pytest.mark.parametrize("lengths", [
    [b"abc"], [b"-5"], [b"+5"], [b"5", b"6"], [b"5, 6"], [b""],
], ids=["text", "negative", "signed", "two-fields", "list", "empty"])
def test_bad_content_length_fails_the_request(lengths, caplog):
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"Content-Length: %s\r\n" % v for v in lengths) + b"\r\n"
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        results, _ = exchange([head + BODY])
    status, error, _, _, seconds = results[0]
    assert error.startswith("malformed HTTP response: ") and "Content-Length" in error and seconds < 2
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


def test_repeated_identical_content_length_is_one():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(BODY), len(BODY))
    results, conns = exchange([head + BODY], n=2)
    assert [r[:4] for r in results] == [(200, None, None, "ok")] * 2 and conns == 1


def chunked(body: bytes) -> bytes:
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


def test_chunked_wins_over_content_length_and_the_connection_is_not_reused():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    results, conns = exchange([head + chunked(BODY)], n=2)
    assert [r[:4] for r in results] == [(200, None, None, "ok")] * 2 and conns == 2


def test_bytes_past_the_last_chunk_close_the_connection():
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    results, conns = exchange(lambda k: [head + chunked(BODY) + (b"JUNK" if k == 0 else b"")], n=3)
    assert [r[:4] for r in results] == [(200, None, None, "ok")] * 3 and conns == 2


@pytest.mark.parametrize("step", [1, 3, 7, 64])
def test_interim_head_then_body_at_any_split(step):
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK + b"EXTRA"

    async def go():
        ex = Exchange(ResponseParser(API, stream=False), 0.0, asyncio.get_running_loop().create_future())
        for i in range(0, len(raw), step):
            ex.on_data(raw[i : i + step], 1.0)
        return ex

    ex = asyncio.run(go())
    assert ex.future.done() and ex.future.result() == 1.0 and ex.status == 200
    assert ex.parser.finish(1.0) is None and ex.parser.texts == ["ok"] and not ex.keep_alive
