import asyncio
import json

import pytest

from evalscope.perf.apis.openai import OpenAIApi
from evalscope.perf.arguments import PerfArgs
from evalscope.wire.http1 import Exchange
from evalscope.perf.response import ResponseParser

API = OpenAIApi(PerfArgs())


def sse(*objs, done=True):
    out = "".join(f"data: {json.dumps(o)}\n\n" for o in objs)
    return (out + ("data: [DONE]\n\n" if done else "")).encode()


ROLE = {"choices": [{"delta": {"role": "assistant", "content": ""}}]}
def piece(t, key="content"):
    return {"choices": [{"delta": {key: t}, "finish_reason": None}]}
FINAL = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
USAGE = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}


def test_stream_content_chunks_only_and_usage():
    p = ResponseParser(API, stream=True)
    p.feed(sse(ROLE), 0.1)
    p.feed(sse(piece("think", "reasoning_content"), piece("a"), done=False), 0.2)
    p.feed(sse(piece("b"), FINAL, USAGE), 0.3)
    assert p.finish(0.4) is None
    assert p.chunk_times == [0.2, 0.2, 0.3]  # role chunk and usage chunk carry no content
    assert "".join(p.texts) == "ab" and "".join(p.reasoning) == "think"
    assert p.usage == {"prompt_tokens": 3, "completion_tokens": 2} and p.finish_reason == "stop" and p.done


def test_stream_errors():
    p = ResponseParser(API, stream=True)
    p.feed(sse(piece("a"), done=False), 0.1)
    assert p.finish(0.2).startswith("stream ended without [DONE]")
    p = ResponseParser(API, stream=True)
    p.feed(b'data: {"choices": [\n\ndata: [DONE]\n\n', 0.1)
    assert p.finish(0.2).startswith("malformed JSON in stream")


def test_non_stream_body():
    p = ResponseParser(API, stream=False)
    body = json.dumps({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}], "usage": {"completion_tokens": 1}})
    p.feed(body[:5].encode(), 0.1)
    p.feed(body[5:].encode(), 0.2)
    assert p.finish(0.3) is None and p.chunk_times == [0.3] and p.texts == ["hi"]
    bad = ResponseParser(API, stream=False)
    bad.feed(b'{"choices": [', 0.1)
    assert bad.finish(0.2).startswith("malformed JSON body")


def chunked(payload: bytes, sizes=(7, 100)) -> bytes:
    out, i, k = b"", 0, 0
    while i < len(payload):
        n = sizes[k % len(sizes)]
        part = payload[i : i + n]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        i, k = i + n, k + 1
    return out + b"0\r\n\r\n"


@pytest.mark.parametrize("step", [1, 2, 5, 13, 4096])
def test_http_framing_chunked_any_split(step):
    payload = sse(ROLE, piece("x"), piece("y"), FINAL, USAGE)
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(payload)

    async def go():
        loop = asyncio.get_running_loop()
        parser = ResponseParser(API, stream=True)
        ex = Exchange(parser, 0.0, loop.create_future())
        for i in range(0, len(raw), step):
            ex.on_data(raw[i : i + step], 1.0)
        return ex, parser

    ex, parser = asyncio.run(go())
    assert ex.future.done() and ex.status == 200 and ex.keep_alive
    assert parser.finish(2.0) is None and "".join(parser.texts) == "xy"


def test_http_framing_content_length_and_error_status():
    body = b'{"error": "nope"}'
    raw = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body

    async def go():
        ex = Exchange(ResponseParser(API, stream=False), 0.0, asyncio.get_running_loop().create_future())
        ex.on_data(raw[:20], 1.0)
        ex.on_data(raw[20:], 1.0)
        return ex

    ex = asyncio.run(go())
    assert ex.future.done() and ex.status == 500 and not ex.keep_alive and bytes(ex.error_body) == body


def test_content_parts_are_text_and_junk_content_is_not_a_crash():
    p = ResponseParser(API, stream=True)
    p.feed(sse(piece([{"type": "text", "text": "he"}, {"type": "text", "text": "llo"}]), piece({"odd": 1})), 0.1)
    assert p.finish(0.2) is None
    assert "".join(p.texts) == "hello" and p.chunk_times == [0.1]  # the dict content carries no text
    body = {"choices": [{"message": {"content": [{"type": "text", "text": "full"}]}}]}
    q = ResponseParser(API, stream=False)
    q.feed(json.dumps(body).encode(), 0.1)
    assert q.finish(0.2) is None and q.texts == ["full"]


def test_in_band_errors_fail_the_request():
    p = ResponseParser(API, stream=True)
    p.feed(sse(piece("a"), {"error": {"message": "out of memory", "code": 500}}), 0.1)
    assert "server error in stream" in p.finish(0.2) and "out of memory" in p.error
    q = ResponseParser(API, stream=True)
    q.feed(sse({"object": "error", "message": "bad", "code": 400}), 0.1)
    assert "server error in stream" in q.finish(0.2)
    r = ResponseParser(API, stream=False)
    r.feed(json.dumps({"error": {"message": "nope"}}).encode(), 0.1)
    assert "server error in body" in r.finish(0.2)


def test_tool_call_deltas_are_timed_but_not_text():
    call = {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ""}}]}}]}
    args = {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"x\": 1}"}}]}}]}
    p = ResponseParser(API, stream=True)
    p.feed(sse(ROLE, done=False), 0.1)
    p.feed(sse(call, done=False), 0.2)
    p.feed(sse(args, FINAL), 0.3)
    assert p.finish(0.4) is None
    assert p.chunk_times == [0.2, 0.3] and "".join(p.texts) == ""


def test_whitespace_done_variants_and_bom():
    p = ResponseParser(API, stream=True)
    p.feed(b"\xef\xbb\xbfdata: " + json.dumps(piece("a")).encode() + b"\n\n", 0.1)
    p.feed(b"data:\t " + json.dumps(piece("b")).encode() + b"\n\ndata: [DONE] \n\n", 0.2)
    assert p.finish(0.3) is None
    assert p.texts == ["a", "b"] and p.chunk_times == [0.1, 0.2] and p.done


def test_a_huge_event_in_small_reads_is_buffered_once():
    from evalscope.wire.sse import SSEDecoder

    event = b"data: " + json.dumps(piece("x" * 2_000_000)).encode() + b"\n\n"
    d = SSEDecoder()
    out = []
    for i in range(0, len(event), 4096):
        out += d.feed_data(event[i : i + 4096])
    assert len(out) == 1 and json.loads(out[0])["choices"][0]["delta"]["content"] == "x" * 2_000_000


def test_a_reply_no_parser_expected_costs_one_record_not_the_run():
    from evalscope.perf.client import Sender

    class Broken(OpenAIApi):
        def parse_response(self, obj):
            return ["not", "text"], "", None, None  # a plugin bug: a list where text belongs

    async def go():
        from evalscope.perf.mock_server import run_in_thread

        with run_in_thread(output_tokens=2) as srv:
            sender = Sender(srv.url + "/chat/completions", {"Content-Type": "application/json"}, Broken(PerfArgs()),
                            stream=False, origin=0.0)
            try:
                body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
                return await sender.send(0, body, 0.0)
            finally:
                await sender.close()

    record = asyncio.run(go())
    assert not record.success and record.error.startswith("client error: TypeError")


def test_no_require_done_accepts_a_clean_end_without_the_marker():
    p = ResponseParser(API, stream=True, require_done=False)
    p.feed(sse(piece("a"), FINAL, done=False), 0.1)
    assert p.finish(0.2) is None and not p.done and p.texts == ["a"]


# issue 8, defect 14 and the wire codec: a 200 that answers nothing fails; reasoning read under both names


@pytest.mark.parametrize("body", [{"choices": []}, {"id": "x"}, {"choices": [], "usage": {"prompt_tokens": 3}}])
def test_non_stream_reply_without_choices_is_a_failure(body):
    p = ResponseParser(API, stream=False)
    p.feed(json.dumps(body).encode(), 0.1)
    assert p.finish(0.2).startswith("reply without choices")


def test_stream_without_any_choice_is_a_failure():
    p = ResponseParser(API, stream=True)
    p.feed(sse(USAGE), 0.1)
    assert p.finish(0.2).startswith("stream without choices")
    p = ResponseParser(API, stream=True)
    p.feed(sse(), 0.1)  # only [DONE]
    assert p.finish(0.2).startswith("stream without choices")
    p = ResponseParser(API, stream=True)
    p.feed(sse(ROLE, FINAL), 0.1)  # an empty answer that did end: a choice, not a failure
    assert p.finish(0.2) is None and p.finish_reason == "stop"


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_non_stream_reasoning_under_both_names_as_the_stream_reads_it(key):
    body = {"choices": [{"message": {"content": "42", key: "because"}, "finish_reason": "stop"}]}
    p = ResponseParser(API, stream=False)
    p.feed(json.dumps(body).encode(), 0.1)
    assert p.finish(0.2) is None and p.texts == ["42"] and p.reasoning == ["because"]
    s = ResponseParser(API, stream=True)
    s.feed(sse(piece("because", key), piece("42"), FINAL), 0.1)
    assert s.finish(0.2) is None and "".join(s.reasoning) == "because"
