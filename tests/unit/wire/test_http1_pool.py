"""ConnectionPool against raw HTTP servers on 127.0.0.1: a body given in chunks arrives whole, connections are
kept alive and reused, a connection the server closed while idle is replaced without a failed request, non-200
answers keep their status, Retry-After and body, a silent server is a timeout, and a bad header never leaves."""

from __future__ import annotations

import asyncio
import json

import pytest

from evalscope.wire.http1 import ConnectionPool

OK_BODY = json.dumps({"choices": [{"message": {"content": "ok"}}]}).encode()


def ok(body: bytes = OK_BODY, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra) + body


class Sink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def feed(self, data: bytes, now: float) -> None:
        self.parts.append(data)

    @property
    def body(self) -> bytes:
        return b"".join(self.parts)


async def read_request(reader) -> tuple[bytes, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
    return head, await reader.readexactly(length)


class RawServer:
    """Answers each request with ``reply(index, head, body)`` (bytes, or ``None`` to close the connection, or
    ``"silent"`` to never answer); counts connections and the most open at once."""

    def __init__(self, reply) -> None:
        self.reply, self.requests, self.connections, self.open, self.most_open = reply, [], 0, 0, 0

    async def handler(self, reader, writer) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while (request := await read_request(reader)) is not None:
                self.requests.append(request)
                answer = self.reply(len(self.requests) - 1, *request)
                if answer == "silent":
                    await asyncio.sleep(30)
                if answer is None:
                    break
                if isinstance(answer, tuple):  # (seconds to wait, bytes)
                    await asyncio.sleep(answer[0])
                    answer = answer[1]
                writer.write(answer)
                await writer.drain()
        finally:
            self.open -= 1
            writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handler, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1/chat/completions"

    async def __aexit__(self, *exc) -> None:
        self.server.close()


def test_chunks_arrive_as_one_body_and_the_connection_is_reused():
    server = RawServer(lambda i, head, body: ok())
    chunks = [b'{"messages": [{"url": "', b"data:image/png;base64,", b"QUJD" * 200_000, b'"}]}']

    async def main():
        async with server as url:
            pool = ConnectionPool(url, max_connections=4)
            replies = []
            for _ in range(3):
                sink = Sink()
                replies.append((await pool.post(chunks, {"Content-Type": "application/json"}, sink, 5), sink.body))
            pool.close()
            return replies

    replies = asyncio.run(main())
    assert [r.status for r, _ in replies] == [200] * 3 and all(body == OK_BODY for _, body in replies)
    assert server.connections == 1  # kept alive
    head, body = server.requests[0]
    assert body == b"".join(chunks) and b"POST /v1/chat/completions HTTP/1.1\r\n" in head
    assert b"Content-Type: application/json\r\n" in head and b"Content-Length: %d\r\n" % len(body) in head


def test_a_connection_closed_while_idle_is_replaced_without_failing_the_request():
    server = RawServer(lambda i, head, body: ok() if i != 1 else None)  # the 2nd request finds it closed

    async def main():
        async with server as url:
            pool = ConnectionPool(url)
            statuses = [(await pool.post([b"{}"], {}, Sink(), 5)).status for _ in range(3)]
            pool.close()
            return statuses

    assert asyncio.run(main()) == [200, 200, 200]
    assert server.connections == 2 and len(server.requests) == 4  # the 2nd request was sent twice


def test_non_200_answers_keep_status_retry_after_and_body():
    error = b'{"error": {"message": "slow down"}}'
    server = RawServer(lambda i, head, body: b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: "
                       b"%d\r\n\r\n" % len(error) + error)

    async def main():
        async with server as url:
            pool = ConnectionPool(url)
            sink = Sink()
            reply = await pool.post([b"{}"], {}, sink, 5)
            again = await pool.post([b"{}"], {}, Sink(), 5)  # an error answer leaves the connection usable
            pool.close()
            return reply, sink.body, again

    reply, fed, again = asyncio.run(main())
    assert (reply.status, reply.retry_after, reply.error_body) == (429, "3", error)
    assert fed == b"" and again.status == 429 and server.connections == 1


def test_a_silent_server_is_a_timeout_and_its_connection_is_not_reused():
    server = RawServer(lambda i, head, body: "silent" if i == 0 else ok())

    async def main():
        async with server as url:
            pool = ConnectionPool(url)
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(asyncio.TimeoutError):
                await pool.post([b"{}"], {}, Sink(), 0.3)
            waited = loop.time() - started
            after = await pool.post([b"{}"], {}, Sink(), 5)
            pool.close()
            return waited, after

    waited, after = asyncio.run(main())
    assert 0.25 < waited < 3 and after.status == 200 and server.connections == 2


def test_at_most_max_connections_requests_are_in_flight():
    server = RawServer(lambda i, head, body: (0.05, ok()))

    async def main():
        async with server as url:
            pool = ConnectionPool(url, max_connections=2)
            replies = await asyncio.gather(*(pool.post([b"{}"], {}, Sink(), 5) for _ in range(6)))
            pool.close()
            return replies

    assert [r.status for r in asyncio.run(main())] == [200] * 6
    assert server.most_open == 2 and server.connections == 2


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent():
    server = RawServer(lambda i, head, body: ok())

    async def main():
        async with server as url:
            pool = ConnectionPool(url)
            with pytest.raises(ValueError, match="header injection"):
                await pool.post([b"{}"], {"X-Note": "a\r\nInjected: yes"}, Sink(), 5)

    asyncio.run(main())
    assert server.requests == []


def test_a_refused_connection_is_an_os_error_and_https_is_not_taken():
    async def main():
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        with pytest.raises(OSError):
            await ConnectionPool(f"http://127.0.0.1:{port}/v1").post([b"{}"], {}, Sink(), 5)

    asyncio.run(main())
    with pytest.raises(ValueError, match="http://"):
        ConnectionPool("https://127.0.0.1/v1")
