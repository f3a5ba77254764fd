import pytest

from evalscope.api import ChatMessage, ModelError
from evalscope.wire.openai import (
    StreamAccumulator,
    build_payload,
    endpoint_url,
    error_message,
    parse_response,
)


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8000/v1", ("http://127.0.0.1:8000/v1/chat/completions", "chat")),
    ("http://127.0.0.1:8000/v1/", ("http://127.0.0.1:8000/v1/chat/completions", "chat")),
    ("http://h/v1/chat/completions", ("http://h/v1/chat/completions", "chat")),
    ("http://h/v1/completions", ("http://h/v1/completions", "completions")),
])
def test_endpoint_url(url, expected):
    assert endpoint_url(url) == expected


def test_payloads():
    msgs = [ChatMessage(role="system", content="S"), ChatMessage(role="user", content="Q")]
    chat = build_payload("chat", "m", msgs, {"temperature": 0, "max_tokens": 5}, stream=True)
    assert chat == {"model": "m", "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}],
                    "temperature": 0, "max_tokens": 5, "stream": True, "stream_options": {"include_usage": True}}
    comp = build_payload("completions", "m", msgs, {}, stream=False)
    assert comp == {"model": "m", "prompt": "S\n\nQ"}


def test_parse_response_keeps_reasoning_apart():
    out = parse_response("chat", {
        "model": "m", "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        "choices": [{"message": {"role": "assistant", "content": "42", "reasoning_content": "think"},
                     "finish_reason": "stop"}]})
    assert (out.content, out.reasoning_content, out.finish_reason) == ("42", "think", "stop")
    assert out.usage.completion_tokens == 2
    assert parse_response("completions", {"choices": [{"text": "a"}, {"text": "b"}]}).choices == ["a", "b"]


@pytest.mark.parametrize("body,match", [
    ([], "expected a JSON object"),
    ({"choices": []}, "no 'choices'"),
    ({"error": {"message": "overloaded"}}, "overloaded"),
])
def test_parse_response_errors(body, match):
    with pytest.raises(ModelError, match=match):
        parse_response("chat", body)


def test_stream_accumulator_role_only_first_chunk_and_usage_only_last_chunk():
    acc = StreamAccumulator("chat")
    assert acc.feed({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}) is False
    assert acc.feed({"choices": [{"index": 0, "delta": {"reasoning_content": "hmm"}}]}) is True
    assert acc.feed({"choices": [{"index": 0, "delta": {"content": "4"}}]}) is False
    acc.feed({"choices": [{"index": 0, "delta": {"content": "2"}, "finish_reason": "stop"}]})
    acc.feed({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}})
    out = acc.output()
    assert (out.content, out.reasoning_content, out.finish_reason, out.usage.total_tokens) == ("42", "hmm", "stop", 3)


def test_error_message():
    assert error_message(400, b'{"error": {"message": "bad model"}}') == "HTTP 400: bad model"
    assert error_message(502, b"") == "HTTP 502: (empty body)"


def test_content_parts_are_read_as_text():
    body = {"choices": [{"message": {"content": [{"type": "text", "text": "4"}, {"type": "text", "text": "2"}]}}]}
    assert parse_response("chat", body).content == "42"
    assert parse_response("chat", {"choices": [{"message": {"content": None}}]}).content == ""


def test_stream_content_parts_are_text():
    acc = StreamAccumulator("chat")
    assert acc.feed({"choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": "4"}]}}]}) is True
    acc.feed({"choices": [{"index": 0, "delta": {"content": [{"type": "text", "text": "2"}]}, "finish_reason": "stop"}]})
    assert acc.output().content == "42"


def test_embeddings_codec_and_url():
    import base64
    import struct

    from evalscope.wire.openai import build_embeddings_payload, embeddings_url, parse_embeddings

    assert embeddings_url("http://h/v1?api-version=2") == "http://h/v1/embeddings?api-version=2"
    assert embeddings_url("http://h/v1/embeddings/") == "http://h/v1/embeddings"
    assert build_embeddings_payload("e", ["a"]) == {"model": "e", "input": ["a"]}
    assert build_embeddings_payload("e", ["a"], 8, "base64")["dimensions"] == 8
    raw = base64.b64encode(struct.pack("<2f", 0.5, -1.0)).decode()
    body = {"data": [{"index": 1, "embedding": raw}, {"index": 0, "embedding": [1, 2]}]}
    assert parse_embeddings(body) == [[1.0, 2.0], [0.5, -1.0]]
    assert parse_embeddings({"error": "x"}) is None


def test_chat_url_keeps_its_query():
    assert endpoint_url("http://h/v1/chat/completions?api-version=1") == (
        "http://h/v1/chat/completions?api-version=1", "chat")
