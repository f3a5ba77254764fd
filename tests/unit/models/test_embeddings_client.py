"""The embeddings client against a scripted server on loopback (no heavy deps)."""

from __future__ import annotations

import asyncio
import math

import pytest
from aiohttp import web

from evalscope.models.embeddings import (
    DimensionMismatch,
    DimensionsRejected,
    EmbeddingsClient,
    EmbeddingsConfig,
    EmbeddingsError,
    build_payload,
)
from evalscope.wire.retry import RetryPolicy

FAST = RetryPolicy(retries=3, initial_backoff=0.01, max_backoff=0.02)


def vec(text: str, size: int) -> list[float]:
    return [float((len(text) + i) % 7) for i in range(size)]


class Scripted:
    """A tiny /v1/embeddings: native size 8, honours/rejects/ignores ``dimensions``, can fail first."""

    def __init__(self, mode: str = "honour", fail_first: int = 0, fail_status: int = 503, delay: float = 0.01) -> None:
        self.mode, self.fail_first, self.fail_status, self.delay = mode, fail_first, fail_status, delay
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.in_flight = self.max_in_flight = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        if len(self.bodies) <= self.fail_first:
            return web.json_response({"error": {"message": "busy"}}, status=self.fail_status)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        dims = body.get("dimensions")
        if dims is not None and self.mode == "reject":
            return web.json_response({"error": {"message": "dimensions is currently not supported"}}, status=400)
        size = dims if (dims is not None and self.mode == "honour") else 8
        data = [{"index": i, "embedding": vec(t, size)} for i, t in enumerate(body["input"])]
        return web.json_response({"data": list(reversed(data)), "model": body["model"]})


async def run_against(server: Scripted, config_kw: dict, texts: list[str]):
    app = web.Application()
    app.router.add_post("/v1/embeddings", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        cfg = EmbeddingsConfig(model="m", base_url=f"http://127.0.0.1:{port}/v1", **config_kw)
        client = EmbeddingsClient(cfg, policy=FAST)
        return await client.embed(texts)
    finally:
        await runner.cleanup()


TEXTS = [f"text number {i}" * (i % 3 + 1) for i in range(10)]


def test_payload_has_no_dimensions_unless_set():
    cfg = EmbeddingsConfig(model="m", base_url="http://127.0.0.1:1/v1")
    assert build_payload(cfg, ["a"]) == {"model": "m", "input": ["a"]}
    cfg = EmbeddingsConfig(model="m", base_url="http://127.0.0.1:1/v1", dimensions=4)
    assert build_payload(cfg, ["a"])["dimensions"] == 4
    assert cfg.url == "http://127.0.0.1:1/v1/embeddings"


def test_batches_in_order_with_bounded_concurrency_and_headers():
    server = Scripted()
    vectors = asyncio.run(run_against(
        server, {"batch_size": 3, "concurrency": 2, "api_key": "sk-secret", "headers": {"X-Tag": "t"}}, TEXTS))
    assert vectors == [vec(t, 8) for t in TEXTS]
    assert [len(b["input"]) for b in server.bodies] == [3, 3, 3, 1]
    assert all("dimensions" not in b for b in server.bodies)
    assert server.max_in_flight <= 2
    assert server.headers[0]["Authorization"] == "Bearer sk-secret"
    assert server.headers[0]["X-Tag"] == "t"


def test_dimensions_set_and_honoured():
    server = Scripted("honour")
    vectors = asyncio.run(run_against(server, {"dimensions": 4}, TEXTS[:2]))
    assert [len(v) for v in vectors] == [4, 4]
    assert server.bodies[0]["dimensions"] == 4


def test_dimensions_rejected_tells_user_to_unset_it():
    with pytest.raises(DimensionsRejected, match="unset it"):
        asyncio.run(run_against(Scripted("reject"), {"dimensions": 4}, TEXTS[:2]))


def test_dimensions_ignored_by_server_is_a_mismatch():
    with pytest.raises(DimensionMismatch, match="size 8 but dimensions=4"):
        asyncio.run(run_against(Scripted("ignore"), {"dimensions": 4}, TEXTS[:2]))


def test_transient_errors_are_retried():
    server = Scripted(fail_first=2, fail_status=503)
    vectors = asyncio.run(run_against(server, {}, TEXTS[:2]))
    assert len(vectors) == 2 and len(server.bodies) == 3


def test_permanent_errors_are_not_retried_and_key_is_not_in_message():
    server = Scripted(fail_first=10, fail_status=401)
    with pytest.raises(EmbeddingsError, match="HTTP 401") as info:
        asyncio.run(run_against(server, {"api_key": "sk-secret"}, TEXTS[:2]))
    assert len(server.bodies) == 1
    assert "sk-secret" not in str(info.value)


def test_retries_give_up_with_a_clear_error():
    server = Scripted(fail_first=100, fail_status=500)
    with pytest.raises(EmbeddingsError, match="after 4 attempts"):
        asyncio.run(run_against(server, {}, TEXTS[:1]))


def test_connection_refused_is_an_error_not_a_hang():
    cfg = EmbeddingsConfig(model="m", base_url="http://127.0.0.1:9/v1", timeout=2)
    with pytest.raises(EmbeddingsError, match="after 4 attempts"):
        EmbeddingsClient(cfg, policy=FAST).embed_sync(["a"])


def test_base64_vectors_are_decoded():
    import base64
    import struct

    from evalscope.models.embeddings import parse_response

    cfg = EmbeddingsConfig(model="m", base_url="http://127.0.0.1:1/v1")
    raw = base64.b64encode(struct.pack("<3f", 1.0, 0.5, -2.0)).decode()
    out = parse_response(cfg, {"data": [{"index": 0, "embedding": raw}]}, 1)
    assert len(out) == 1 and len(out[0]) == 3
    assert all(math.isclose(a, b) for a, b in zip(out[0], [1.0, 0.5, -2.0]))


def test_a_server_that_does_not_answer_times_out_then_fails():
    server = Scripted(delay=1)
    with pytest.raises(EmbeddingsError, match=r"after 4 attempts: TimeoutError"):
        asyncio.run(run_against(server, {"timeout": 0.1}, TEXTS[:1]))
    assert len(server.bodies) == 4
