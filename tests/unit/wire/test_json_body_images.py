"""dumps_body: the same bytes as json.dumps(body).encode(), base64 media made by evalscope spliced in rather than
encoded; every other string goes through the JSON encoder. body_chunks: the same bytes in pieces, each image's
own base64 bytes among them (not a copy)."""

from __future__ import annotations

import base64
import json
import os

import pytest

from evalscope.api.images import Base64Text
from evalscope.wire.json_body import body_chunks, dumps_body

IMAGE = Base64Text.data_uri(os.urandom(60_000), "image/png")
PLAIN = "data:image/png;base64," + base64.b64encode(os.urandom(30_000)).decode()


def body(*images: str, text: str = "What is on the page?") -> dict:
    parts = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": u}} for u in images]
    return {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": parts}],
            "temperature": 0.0, "max_tokens": 16, "stop": ("a", "b"), "stream": False, "seed": None}


@pytest.mark.parametrize("value", [
    body(IMAGE),
    body(IMAGE, PLAIN, "https://example.com/x.png", IMAGE),                     # several, in order, mixed
    body(*[Base64Text.data_uri(os.urandom(100 + i), "image/jpeg") for i in range(12)]),  # placeholders 1 and 10
    body(IMAGE, text='"quoted" \\ and\nnew lines, non-ASCII é 漢字 \x00 \x7f ' * 500),
    body(PLAIN + "\n" + PLAIN),                                                  # a plain str is encoded
    {"model": "m", "prompt": "short", "n": 1},
    {"nested": [[IMAGE, {"k": IMAGE}], 1, 2.5, True, None], IMAGE[:40]: IMAGE},
])
def test_same_bytes_as_json_dumps(value):
    assert dumps_body(value) == json.dumps(value).encode()


def test_text_that_looks_like_a_placeholder_is_left_alone():
    value = body(IMAGE, text="\\u0000deadbeefdeadbeef:0\\u0000 \x00deadbeef:0\x00 :0")
    assert dumps_body(value) == json.dumps(value).encode()


def test_base64_text_only_for_a_plain_media_type():
    data = os.urandom(90)
    assert isinstance(Base64Text.data_uri(data, "image/svg+xml"), Base64Text)
    odd = Base64Text.data_uri(data, 'image/png"; x="y')  # a media type JSON must escape: a plain str
    assert not isinstance(odd, Base64Text) and odd.endswith(base64.b64encode(data).decode())
    value = body(odd)
    assert dumps_body(value) == json.dumps(value).encode()
    assert json.loads(dumps_body(body(IMAGE)))["messages"][1]["content"][1]["image_url"]["url"] == IMAGE


@pytest.mark.parametrize("value", [body(IMAGE), body(IMAGE, PLAIN, IMAGE), {"model": "m", "prompt": "short"}])
def test_chunks_join_to_the_same_bytes(value):
    assert b"".join(body_chunks(value)) == json.dumps(value).encode()


def test_chunks_carry_the_images_own_base64_bytes():
    assert b"".join(IMAGE.wire) == IMAGE.encode("ascii")
    chunks = body_chunks(body(IMAGE, IMAGE))
    assert sum(1 for c in chunks if c is IMAGE.wire[1]) == 2  # the very object the encoder made, twice
    copied = Base64Text(str(IMAGE))  # a Base64Text without wire bytes (made elsewhere): encoded, same bytes
    assert b"".join(body_chunks(body(copied))) == json.dumps(body(copied)).encode()


def test_encoding_a_body_leaves_no_reference_cycle_to_keep_its_images_alive():
    """Megabytes of base64 per request must be freed when the request is, not when the cyclic collector runs."""
    import gc

    value = body(Base64Text.data_uri(os.urandom(50_000), "image/png"), IMAGE)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            chunks = body_chunks(value)
            dumps_body(value)
            del chunks
        assert gc.collect() == 0  # nothing unreachable: every object made above went with its last reference
    finally:
        if enabled:
            gc.enable()
