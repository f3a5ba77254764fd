"""The aiohttp application of the mock server (routes and the timed streaming loop)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import random
import struct
import time
import weakref
from typing import Any, Optional

from aiohttp import web

from evalscope.api.allocator import keep_freed_memory
from evalscope.perf.mock_server.config import FaultSpec, MockServerConfig
from evalscope.perf.mock_server.generate import (
    DONE,
    ChunkWriter,
    build_reply,
    error_body,
    full_response,
    match_images,
    match_text,
    prompt_token_count,
)
from evalscope.perf.mock_server.script import count_tokens
from evalscope.perf.mock_server.state import State

logger = logging.getLogger(__name__)

try:
    from orjson import loads as _fast_loads
except ImportError:  # not a dependency: the standard library's
    _fast_loads = None

STATE_KEY = web.AppKey("mock_state", State)
MAX_DIMENSIONS = 16384
"""Largest ``dimensions`` of an embeddings request (OpenAI's largest model has 3072): a vector is computed on the
event loop, and a huge one would stall every other client."""
_now = time.perf_counter


def _json(obj: Any, status: int = 200, headers: Optional[dict] = None) -> web.Response:
    return web.Response(text=json.dumps(obj), status=status, content_type="application/json", headers=headers)


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 4)


_TICK = 0.0005
_SHARED_TIMERS = os.environ.get("EVALSCOPE_MOCK_SHARED_TIMERS", "1") == "1"
_WAKEUPS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Future]]" = weakref.WeakKeyDictionary()


def _fire(wakeups: dict, key: int) -> None:
    future = wakeups.pop(key, None)
    if future is not None and not future.done():
        future.set_result(None)


async def _sleep_until(deadline: float) -> None:
    """Sleep until ``deadline`` (perf_counter); streams due in the same 0.5 ms share one timer and one
    future, so hundreds of synchronized streams cost one wake-up per tick, not one timer each."""
    delay = deadline - _now()
    if delay <= 0:
        return
    if not _SHARED_TIMERS:
        await asyncio.sleep(delay)
        return
    loop = asyncio.get_running_loop()
    wakeups = _WAKEUPS.get(loop)
    if wakeups is None:
        wakeups = _WAKEUPS[loop] = {}
    key = int((loop.time() + delay) / _TICK) + 1
    future = wakeups.get(key)
    if future is None:
        future = wakeups[key] = loop.create_future()
        loop.call_at(key * _TICK, _fire, wakeups, key)
    await asyncio.shield(future)  # a cancelled handler must not cancel the other streams' wake-up


def _auth_error(request: web.Request, config: MockServerConfig) -> Optional[web.Response]:
    if config.api_key is None:
        return None
    sent = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(sent, f"Bearer {config.api_key}".encode("utf-8", "surrogateescape")):
        return _json(error_body("invalid api key", "authentication_error", 401), status=401)
    return None


def _loads(raw: bytes) -> Any:
    """The JSON document ``raw``: orjson when installed (a body with a 0.7 MB image: 0.25 ms, not 0.5), the standard
    library for what orjson refuses and ``json`` accepts (NaN, lone surrogates), so that both accept the same; one
    difference stays: with orjson an integer past 64 bits is read as a float."""
    if _fast_loads is not None:
        try:
            return _fast_loads(raw)
        except ValueError:
            pass
    return json.loads(raw)


async def _read_body(request: web.Request, config: MockServerConfig) -> tuple[Optional[dict], Optional[web.Response]]:
    denied = _auth_error(request, config)
    if denied is not None:
        return None, denied
    try:
        body = _loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return None, _json(error_body("request body is not valid JSON"), status=400)
    if not isinstance(body, dict):
        return None, _json(error_body("request body must be a JSON object"), status=400)
    model = body.get("model")
    if config.strict_model and model not in config.models:
        return None, _json(error_body(f"model {model!r} does not exist", "not_found_error", 404), status=404)
    return body, None


async def _fault_response(request: web.Request, fault: FaultSpec) -> Optional[web.StreamResponse]:
    """Faults that replace the response; ``slow`` sleeps and lets the request go on."""
    if fault.kind == "http_500":
        return _json(error_body("mock internal error", "server_error", 500), status=500)
    if fault.kind == "http_429":
        return _json(
            error_body("mock rate limit", "rate_limit_error", 429),
            status=429,
            headers={"Retry-After": f"{fault.retry_after:g}"},
        )
    if fault.kind == "slow":
        await asyncio.sleep(fault.delay_s)
    return None


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort() if hasattr(transport, "abort") else transport.close()


def _arrival(request: web.Request) -> float:
    """When the request's last bytes arrived (stamped by the protocol), else now."""
    now = _now()
    arrival = getattr(request.protocol, "evalscope_arrival", None)
    return arrival if arrival is not None and arrival <= now else now


# the generation settings a request carried, kept in its record so that tests can check what a client sent
SENT_PARAMS = ("temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "n", "seed", "stop",
               "logprobs", "echo")


async def completion(request: web.Request, endpoint: str) -> web.StreamResponse:
    t0 = _arrival(request)
    state = request.app[STATE_KEY]
    config = state.config
    body, error = await _read_body(request, config)
    rid = f"{'chatcmpl' if endpoint == 'chat' else 'cmpl'}-{state.next_id()}"
    entry: dict[str, Any] = {"id": rid, "endpoint": endpoint, "stream": bool(body and body.get("stream")),
                             "arrived": time.time() - (_now() - t0)}
    if error is not None:
        state.total += 1
        state.by_endpoint[endpoint] += 1
        state.record({**entry, "status": error.status})
        return error
    assert body is not None
    if body.get("stream_options") is not None and not isinstance(body["stream_options"], dict):
        state.record({**entry, "status": 400})
        return _json(error_body("stream_options must be an object, e.g. {\"include_usage\": true}"), status=400)
    text = match_text(body, endpoint)
    images = match_images(body, endpoint, hashes=config.image_hashes or state.script.has_image_rules)
    decision = state.decide(endpoint, text, [i["sha256"] for i in images if "sha256" in i])
    entry.update(prompt_sha256=hashlib.sha256(text.encode()).hexdigest(), prompt_index=decision.index,
                 model=body.get("model"), params={k: body[k] for k in SENT_PARAMS if k in body})
    if images:
        entry["images"] = images
    entry["rule"] = decision.rule_index
    fault = decision.fault
    entry["fault"] = fault.kind if fault else None
    if fault is not None:
        replaced = await _fault_response(request, fault)
        if replaced is not None:
            state.record({**entry, "status": replaced.status})
            return replaced
    reply = build_reply(config, body, text, decision.rule)
    prompt_tokens = prompt_token_count(body, endpoint)
    model = body.get("model") or config.models[0]
    if not body.get("stream"):
        return await _respond_full(request, state, entry, endpoint, rid, model, reply, prompt_tokens, fault, t0)
    return await _respond_stream(request, state, entry, endpoint, rid, model, reply, body, prompt_tokens, fault, t0)


async def _respond_full(request, state: State, entry, endpoint, rid, model, reply, prompt_tokens, fault, t0):
    await _sleep_until(t0 + state.config.latency_ms / 1000.0)
    entry.update(completion_tokens=len(reply.content) + len(reply.reasoning), prompt_tokens=prompt_tokens)
    if fault is not None and fault.kind == "drop":
        state.record({**entry, "status": "dropped"})
        _drop(request)
        return web.Response(status=500)
    if fault is not None and fault.kind == "malformed":
        state.record({**entry, "status": 200})
        return web.Response(text='{"id": "' + rid + '", "choices": [', content_type="application/json")
    obj = full_response(endpoint, rid, model, reply, prompt_tokens)
    latency = _now() - t0
    entry.update(status=200, latency_ms=_ms(latency))
    obj["mock"] = {"latency_ms": entry["latency_ms"]}
    state.record(entry)
    return _json(obj)


async def _respond_stream(request, state: State, entry, endpoint, rid, model, reply, body, prompt_tokens, fault, t0):
    config = state.config
    writer = ChunkWriter(endpoint, rid, model)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    chunks: list[bytes] = [writer.role()] if endpoint == "chat" else []
    pieces = [(t, True) for t in reply.reasoning] + [(t, False) for t in reply.content]
    step = max(1, config.tokens_per_chunk)
    ttft, itl = config.ttft_ms / 1000.0, config.itl_ms / 1000.0
    write_times: list[float] = []
    pending = bytearray(b"".join(chunks))
    drop_after = fault.after_chunks if fault is not None and fault.kind == "drop" else None
    groups = [pieces[k : k + step] for k in range(0, len(pieces), step)]
    if ttft <= 0 and itl <= 0 and fault is None:  # zero latency: one write (capacity benches)
        return await _stream_at_once(response, state, entry, writer, pending, groups, body, prompt_tokens, reply, t0)
    unflushed = 0
    for j, group in enumerate(groups):
        data = _render(writer, group)
        deadline = t0 + ttft + j * itl
        if pending and deadline > _now():
            await response.write(pending)
            pending = bytearray()
        await _sleep_until(deadline)
        pending += data
        unflushed += 1
        if fault is not None and fault.kind == "malformed" and j == 0:
            pending += b'data: {"choices": [{"delta": {"content": \n\n'
        if drop_after is not None and j + 1 >= drop_after:
            await response.write(bytes(pending))
            state.record({**entry, "status": "dropped"})
            _drop(request)
            return response
        # chunks whose time has already come are coalesced into one write (a server under load does so)
        now = _now()
        if j + 1 == len(groups) or t0 + ttft + (j + 1) * itl > now:
            await response.write(pending)
            pending = bytearray()
            now = _now()
            write_times.extend([now] * unflushed)
            unflushed = 0
    n_out = len(pieces)
    entry.update(completion_tokens=n_out, prompt_tokens=prompt_tokens, status=200)
    if write_times:
        entry["ttft_ms"] = _ms(write_times[0] - t0)
        gaps = [b - a for a, b in zip(write_times, write_times[1:])]
        entry["itl_ms"] = _ms(sum(gaps) / len(gaps)) if gaps else None
    entry["latency_ms"] = _ms(_now() - t0)
    tail = writer.final(reply.finish_reason, {"mock": {k: entry.get(k) for k in ("ttft_ms", "itl_ms", "latency_ms")}})
    if (body.get("stream_options") or {}).get("include_usage"):
        tail += writer.usage(prompt_tokens, n_out)
    if fault is None or fault.kind != "no_done":
        tail += DONE
    await response.write(tail)
    state.record(entry)
    await response.write_eof()
    return response


async def chat_completions(request: web.Request) -> web.StreamResponse:
    return await completion(request, "chat")


async def completions(request: web.Request) -> web.StreamResponse:
    return await completion(request, "completions")


def _render(writer: ChunkWriter, group) -> bytes:
    if len(group) == 1:
        return writer.piece(group[0][0], group[0][1])
    if writer.endpoint == "chat" and len({r for _, r in group}) > 1:
        return b"".join(writer.piece(t, r) for t, r in group)
    return writer.piece("".join(t for t, _ in group), group[0][1])


async def _stream_at_once(response, state: State, entry, writer, pending, groups, body, prompt_tokens, reply, t0):
    if all(len(g) == 1 and not g[0][1] for g in groups):
        data = bytes(pending) + writer.content_run([g[0][0] for g in groups])
    else:
        data = bytes(pending) + b"".join(_render(writer, g) for g in groups)
    now = _now()
    n_out = sum(len(g) for g in groups)
    entry.update(completion_tokens=n_out, prompt_tokens=prompt_tokens, status=200, ttft_ms=_ms(now - t0),
                 itl_ms=0.0 if len(groups) > 1 else None, latency_ms=_ms(now - t0))
    data += writer.final(reply.finish_reason, {"mock": {k: entry.get(k) for k in ("ttft_ms", "itl_ms", "latency_ms")}})
    if (body.get("stream_options") or {}).get("include_usage"):
        data += writer.usage(prompt_tokens, n_out)
    await response.write(data + DONE)
    state.record(entry)
    await response.write_eof()
    return response


def _embedding(text: str, dim: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    rng = random.Random(seed)
    vec = [rng.gauss(0.0, 1.0) for _ in range(dim)]
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


async def embeddings(request: web.Request) -> web.StreamResponse:
    t0 = _arrival(request)
    state = request.app[STATE_KEY]
    config = state.config
    body, error = await _read_body(request, config)
    if error is not None:
        state.record({"endpoint": "embeddings", "status": error.status})
        return error
    assert body is not None
    if "dimensions" in body and body["dimensions"] is not None and config.reject_dimensions:
        state.record({"endpoint": "embeddings", "status": 400})
        return _json({"error": {"message": "dimensions is currently not supported"}}, status=400)
    dim = body.get("dimensions")
    if dim is not None and (type(dim) is not int or not 1 <= dim <= MAX_DIMENSIONS):
        state.record({"endpoint": "embeddings", "status": 400})
        return _json(error_body(f"dimensions must be an integer from 1 to {MAX_DIMENSIONS}, got {dim!r}"), status=400)
    inputs = body.get("input")
    inputs = [inputs] if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)) else inputs
    if not isinstance(inputs, list) or not inputs:
        return _json(error_body("input must be a string or a non-empty list"), status=400)
    texts = [x if isinstance(x, str) else json.dumps(x) for x in inputs]
    decisions = [state.decide("embeddings", t) for t in texts]
    fault = next((d.fault for d in decisions if d.fault is not None), None)
    entry: dict[str, Any] = {"endpoint": "embeddings", "stream": False, "fault": fault.kind if fault else None}
    if fault is not None:
        replaced = await _fault_response(request, fault)
        if replaced is not None:
            state.record({**entry, "status": replaced.status})
            return replaced
    dim = body.get("dimensions") or config.embedding_dim
    data = []
    for i, text in enumerate(texts):
        vec = _embedding(text, int(dim))
        if body.get("encoding_format") == "base64":
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        else:
            emb = vec
        data.append({"object": "embedding", "index": i, "embedding": emb})
    await _sleep_until(t0 + config.latency_ms / 1000.0)
    n_tokens = sum(count_tokens(t) for t in texts)
    entry.update(status=200, latency_ms=_ms(_now() - t0), prompt_tokens=n_tokens)
    state.record(entry)
    if fault is not None and fault.kind == "malformed":
        return web.Response(text='{"data": [', content_type="application/json")
    if fault is not None and fault.kind == "drop":
        _drop(request)
        return web.Response(status=500)
    return _json({
        "object": "list",
        "data": data,
        "model": body.get("model") or config.models[0],
        "usage": {"prompt_tokens": n_tokens, "total_tokens": n_tokens},
    })


async def models(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    state.by_endpoint["models"] += 1
    now = int(time.time())
    data = [{"id": m, "object": "model", "created": now, "owned_by": "evalscope-mock"} for m in state.config.models]
    return _json({"object": "list", "data": data})


async def health(request: web.Request) -> web.Response:
    return _json({"status": "ok"})


def _guarded(handler):
    """A control route: with ``api_key`` set, it needs the key as the API does (its data holds the prompts)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        denied = _auth_error(request, request.app[STATE_KEY].config)
        return denied if denied is not None else await handler(request)

    return guarded


async def stats(request: web.Request) -> web.Response:
    with_requests = request.query.get("requests", "0") not in ("0", "", "false")
    return _json(request.app[STATE_KEY].snapshot(with_requests))


async def reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return _json({"status": "reset"})


async def update_config(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        changes = await request.json()
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object of settings")
        merged = {**state.config.model_dump(), **changes}
        state.apply(MockServerConfig.model_validate(merged))
    except ValueError as exc:
        return _json(error_body(f"invalid config: {exc}"), status=400)
    return _json(state.config.model_dump())


def build_app(config: MockServerConfig) -> web.Application:
    keep_freed_memory()  # request bodies of megabytes (inline images) reuse freed memory (evalscope.api.allocator)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = State(config)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/health", health)
    app.router.add_get("/mock/stats", _guarded(stats))
    app.router.add_post("/mock/reset", _guarded(reset))
    app.router.add_post("/mock/config", _guarded(update_config))
    return app
