"""The built-in HTTP/1.1 client against small raw servers: stale keep-alive, close-delimited bodies."""

import asyncio
import json
from time import perf_counter

from evalscope.perf.apis.openai import OpenAIApi
from evalscope.perf.arguments import PerfArgs
from evalscope.perf.fasthttp import Transport
from evalscope.perf.response import ResponseParser

API = OpenAIApi(PerfArgs())
BODY = json.dumps({"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}).encode()


async def serve(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
    await reader.readexactly(length)


def test_stale_keep_alive_connection_is_replaced():
    hits = []

    async def handler(reader, writer):  # answers once, then closes the "keep-alive" connection
        await read_request(reader)
        hits.append(1)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY)
        await writer.drain()
        writer.close()

    async def main():
        server, port = await serve(handler)
        t = Transport(f"http://127.0.0.1:{port}/v1/chat/completions", {}, None, None, 10)
        results = []
        for _ in range(3):
            p = ResponseParser(API, stream=False)
            status, end, error = await t.request(b"{}", p, perf_counter())
            results.append((status, error, p.finish(end)))
            await asyncio.sleep(0.05)
        t.close()
        server.close()
        return results

    results = asyncio.run(main())
    assert results == [(200, None, None)] * 3 and len(hits) == 3


def test_close_delimited_body_and_refused_connection():
    async def handler(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + BODY)
        await writer.drain()
        writer.close()

    async def main():
        server, port = await serve(handler)
        t = Transport(f"http://127.0.0.1:{port}/x", {}, None, None, 10)
        p = ResponseParser(API, stream=False)
        status, end, error = await t.request(b"{}", p, perf_counter())
        server.close()
        await server.wait_closed()
        refused = Transport(f"http://127.0.0.1:{port}/x", {}, 1, None, 10)
        r = await refused.request(b"{}", ResponseParser(API, stream=False), perf_counter())
        return status, error, p.finish(end), "".join(p.texts), r

    status, error, finish, text, refused = asyncio.run(main())
    assert (status, error, finish, text) == (200, None, None, "ok")
    assert refused[0] is None and refused[2].startswith("connection error")
