"""The mock server over real HTTP on loopback (started on port 0 in a thread)."""

import asyncio
import json

import aiohttp
import pytest

from evalscope.perf.mock_server import run_in_thread


def chat(text, **kw):
    return {"model": "mock-model", "messages": [{"role": "user", "content": text}], **kw}


async def _post(url, body, raw=False):
    async with aiohttp.ClientSession() as s:
        async with s.post(url, json=body) as r:
            data = await r.read()
            return r.status, dict(r.headers), (data if raw else json.loads(data))


def post(url, body, raw=False):
    return asyncio.run(_post(url, body, raw))


def sse_data(raw: bytes):
    return [line[6:] for line in raw.decode().split("\n") if line.startswith("data: ")]


@pytest.fixture(scope="module")
def server():
    with run_in_thread(output_tokens=6, script=[
        {"contains": "capital of France", "reply": "Paris.", "reasoning": "It is Paris."},
        {"regex": r"^flaky", "fault": {"kind": "http_500", "first": 2}},
        {"contains": "limit me", "fault": {"kind": "http_429", "retry_after": 3}},
        {"contains": "drop me", "fault": {"kind": "drop", "after_chunks": 2}},
        {"contains": "break me", "fault": {"kind": "malformed"}},
        {"contains": "no done", "fault": {"kind": "no_done"}},
    ]) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset(server):
    server.reset()
    server.update_config(ttft_ms=0, itl_ms=0, latency_ms=0, faults=[], reject_dimensions=False)


def test_stream_chat_shape(server):
    status, headers, raw = post(server.url + "/chat/completions",
                                chat("hi", stream=True, stream_options={"include_usage": True}), raw=True)
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    data = sse_data(raw)
    assert data[-1] == "[DONE]"
    events = [json.loads(d) for d in data[:-1]]
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = [e for e in events if e["choices"] and e["choices"][0]["delta"].get("content")]
    assert len(content) == 6
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] == 6


def test_non_stream_and_completions(server):
    status, _, body = post(server.url + "/chat/completions", chat("What is the capital of France?"))
    msg = body["choices"][0]["message"]
    assert status == 200 and msg["content"] == "Paris." and msg["reasoning_content"] == "It is Paris."
    status, _, body = post(server.url + "/completions", {"model": "m", "prompt": "abc", "max_tokens": 3})
    assert body["choices"][0]["text"] == "the quick brown " and body["usage"]["completion_tokens"] == 3
    status, _, raw = post(server.url + "/completions", {"model": "m", "prompt": "abc", "stream": True}, raw=True)
    texts = [json.loads(d)["choices"][0]["text"] for d in sse_data(raw)[:-1]]
    assert "".join(texts).split() == "the quick brown fox jumps over".split()


def test_applied_timings(server):
    server.update_config(ttft_ms=40, itl_ms=5, latency_ms=30)
    status, _, raw = post(server.url + "/chat/completions", chat("time me", stream=True), raw=True)
    final = [json.loads(d) for d in sse_data(raw)[:-1]][-1]
    assert 39 <= final["mock"]["ttft_ms"] < 60 and 4 <= final["mock"]["itl_ms"] < 10
    _, _, body = post(server.url + "/chat/completions", chat("time me"))
    assert 29 <= body["mock"]["latency_ms"] < 50
    st = server.stats(requests=True)
    assert st["prompts"]["time me"] == 2 and len(st["requests"]) == 2
    assert st["requests"][0]["ttft_ms"] == final["mock"]["ttft_ms"]


def test_faults(server):
    url = server.url + "/chat/completions"
    assert [post(url, chat("flaky question"))[0] for _ in range(3)] == [500, 500, 200]
    status, headers, _ = post(url, chat("please limit me"))
    assert status == 429 and headers["Retry-After"] == "3"
    with pytest.raises(aiohttp.ClientError):
        post(url, chat("drop me", stream=True), raw=True)
    status, _, raw = post(url, chat("break me"), raw=True)
    with pytest.raises(ValueError):
        json.loads(raw)
    _, _, raw = post(url, chat("no done here", stream=True), raw=True)
    assert "[DONE]" not in sse_data(raw)
    st = server.stats()
    assert st["by_fault"] == {"http_500": 2, "http_429": 1, "drop": 1, "malformed": 1, "no_done": 1}
    assert st["prompts"]["flaky question"] == 3


def test_global_fault_rate(server):
    server.update_config(faults=[{"kind": "http_500", "rate": 0.5}], seed=1)
    codes = [post(server.url + "/chat/completions", chat(f"q{i}"))[0] for i in range(40)]
    assert 5 < codes.count(500) < 35 and codes.count(200) == 40 - codes.count(500)


def test_embeddings(server):
    url = server.url + "/embeddings"
    _, _, a = post(url, {"model": "e", "input": ["x", "y"]})
    _, _, b = post(url, {"model": "e", "input": "x", "dimensions": 8})
    va = a["data"][0]["embedding"]
    assert len(va) == 64 and abs(sum(v * v for v in va) - 1) < 1e-9
    assert len(b["data"][0]["embedding"]) == 8
    _, _, c = post(url, {"model": "e", "input": ["x"]})
    assert c["data"][0]["embedding"] == va
    server.update_config(reject_dimensions=True)
    status, _, body = post(url, {"model": "e", "input": "x", "dimensions": 8})
    assert status == 400 and body == {"error": {"message": "dimensions is currently not supported"}}


def test_models_health_reset(server):
    async def get(path):
        async with aiohttp.ClientSession() as s:
            async with s.get(server.url.removesuffix("/v1") + path) as r:
                return await r.json()

    assert asyncio.run(get("/v1/models"))["data"][0]["id"] == "mock-model"
    assert asyncio.run(get("/health")) == {"status": "ok"}
    post(server.url + "/chat/completions", chat("count me"))
    assert server.stats()["total_requests"] == 1
    server.reset()
    assert server.stats()["total_requests"] == 0


def test_concurrent_streams(server):
    server.update_config(ttft_ms=20, itl_ms=2)

    async def many():
        async with aiohttp.ClientSession() as s:
            async def one(i):
                async with s.post(server.url + "/chat/completions", json=chat(f"c{i}", stream=True)) as r:
                    return (await r.read()).count(b"[DONE]")
            return await asyncio.gather(*(one(i) for i in range(50)))

    assert sum(asyncio.run(many())) == 50
    assert server.stats()["max_prompt_count"] == 1


def test_subprocess_server():
    from evalscope.perf.mock_server import run_in_subprocess

    with run_in_subprocess(default_reply="pong") as srv:
        _, _, body = post(srv.url + "/chat/completions", chat("ping"))
        assert body["choices"][0]["message"]["content"] == "pong"
        assert srv.stats()["prompts"] == {"ping": 1}


def test_request_records_keep_the_model_and_generation_settings_sent(server):
    server.reset()
    post(server.url + "/chat/completions", {**chat("settings"), "temperature": 0.3, "max_tokens": 20, "seed": 7})
    post(server.url + "/completions", {"model": "other", "prompt": "p"})
    first, second = server.stats(requests=True)["requests"][-2:]
    assert first["model"] == chat("settings")["model"]
    assert first["params"] == {"temperature": 0.3, "max_tokens": 20, "seed": 7}
    assert second["model"] == "other" and second["params"] == {}
