import json

import pytest

from evalscope.wire.sse import SSEDecoder


def decode(pieces):
    d = SSEDecoder()
    events = []
    for p in pieces:
        events += d.feed(p)
    return events + d.finish()


STREAM = (
    'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n'
    'data: {"choices":[{"delta":{"content":"héllo 世界"}}]}\n\n'
    'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n'
    'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
    "data: [DONE]\n\n"
).encode()


def test_whole_stream():
    events = decode([STREAM])
    assert [e.is_done for e in events] == [False] * 4 + [True]
    assert json.loads(events[0].data)["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert json.loads(events[3].data)["usage"]["completion_tokens"] == 2
    assert json.loads(events[3].data)["choices"] == []


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_any_split_gives_same_events(size):
    pieces = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert [e.data for e in decode(pieces)] == [e.data for e in decode([STREAM])]


def test_multibyte_utf8_across_reads():
    raw = 'data: {"c":"世"}\n\n'.encode()
    cut = raw.index("世".encode()) + 1  # inside the 3-byte character
    events = decode([raw[:cut], raw[cut:]])
    assert json.loads(events[0].data) == {"c": "世"}


def test_crlf_and_cr_line_ends_even_split():
    raw = b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"
    for cut in range(len(raw) + 1):
        assert [e.data for e in decode([raw[:cut], raw[cut:]])] == ["a", "b", "c"], cut


def test_missing_done_and_no_trailing_blank_line():
    events = decode([b'data: {"x":1}\n\ndata: {"x":2}'])
    assert [e.data for e in events] == ['{"x":1}', '{"x":2}']
    assert not any(e.is_done for e in events)


def test_comments_multiline_event_id():
    events = decode([b": keep-alive\n\nevent: message\nid: 7\ndata: line1\ndata: line2\n\n"])
    assert len(events) == 1
    assert (events[0].data, events[0].event, events[0].id) == ("line1\nline2", "message", "7")


def test_data_without_space_and_empty_data():
    events = decode([b"data:x\n\ndata:\n\n"])
    assert [e.data for e in events] == ["x", ""]


def test_feed_returns_only_completed_events():
    d = SSEDecoder()
    assert d.feed(b"data: par") == []
    assert d.feed(b"tial\n") == []
    assert [e.data for e in d.feed(b"\n")] == ["partial"]
    assert d.finish() == []


@pytest.mark.parametrize("size", [1, 3, 17, 1000])
def test_feed_data_matches_feed(size):
    raw = STREAM + b": comment\nevent: x\nid: 1\ndata: a\r\ndata: b\r\n\r\n"
    d = SSEDecoder()
    datas = []
    for i in range(0, len(raw), size):
        datas += d.feed_data(raw[i : i + size])
    datas += [e.data for e in d.finish()]
    assert datas == [e.data for e in decode([raw])]
