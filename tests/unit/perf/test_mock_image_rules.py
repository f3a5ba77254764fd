"""The mock server's ``image_sha256`` rules: it answers by the content of an image part (whole hash or its first
16 digits, first matching rule wins among text and image rules), and its request log lists each image received
(sha256, bytes, MIME type, width and height read from the header)."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import urllib.request
import zlib

import pytest

from evalscope.perf.mock_server import run_in_thread
from evalscope.perf.mock_server.config import Rule
from evalscope.perf.mock_server.generate import _image_size, match_images
from evalscope.perf.mock_server.script import Script


def png(width: int, height: int, shade: int = 0) -> bytes:
    """A valid grey PNG made by hand (no Pillow needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _ask(url: str, text: str, *images: str) -> str:
    content = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": u}} for u in images]
    body = json.dumps({"model": "mock-model", "messages": [{"role": "user", "content": content}]}).encode()
    request = urllib.request.Request(url + "/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())["choices"][0]["message"]["content"]


def test_rules_need_exactly_one_matcher_image_sha256_included():
    Rule(image_sha256="ab" * 32, reply="x")
    with pytest.raises(ValueError, match="image_sha256"):
        Rule(image_sha256="ab" * 32, contains="q", reply="x")


def test_first_matching_rule_wins_among_text_and_image_rules():
    h = hashlib.sha256(b"img").hexdigest()
    script = Script([Rule(contains="what", reply="text"), Rule(image_sha256=h[:16].upper(), reply="image")])
    assert script.match("what is it", [h])[1].reply == "text"
    assert script.match("describe", [h])[1].reply == "image"
    assert script.match("describe", ["0" * 64]) is None


def test_image_size_from_headers():
    assert _image_size(png(7, 3)) == (7, 3)
    assert _image_size(b"GIF89a" + struct.pack("<HH", 12, 34)) == (12, 34)
    sof = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 480, 640) + b"\x03" + b"\x00" * 9
    assert _image_size(b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 4) + b"\x00\x00" + sof) == (640, 480)
    assert _image_size(b"not an image") is None


def test_server_answers_by_image_content_and_logs_what_arrived():
    a, b = png(20, 10, 0), png(30, 40, 255)
    ha, hb = hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest()
    script = [{"image_sha256": ha, "reply": "first"}, {"image_sha256": hb[:16], "reply": "second"}]
    with run_in_thread(script=script, default_reply="none") as server:
        assert _ask(server.url, "same text", _uri(a)) == "first"
        assert _ask(server.url, "same text", _uri(b)) == "second"
        assert _ask(server.url, "same text", "https://example.invalid/x.png") == "none"
        log = server.stats(requests=True)["requests"]
    images = [r.get("images") for r in log]
    assert images[0] == [{"sha256": ha, "bytes": len(a), "media_type": "image/png", "width": 20, "height": 10}]
    assert images[1][0]["sha256"] == hb and (images[1][0]["width"], images[1][0]["height"]) == (30, 40)
    assert images[2] == [{"url": "https://example.invalid/x.png"}]



def _jpeg(width: int, height: int, app_bytes: int) -> bytes:
    """A JPEG header (an APPn segment of ``app_bytes``, then the frame header) and some scan bytes."""
    app = b"\xff\xe1" + struct.pack(">H", app_bytes + 2) + b"\x00" * app_bytes
    sof = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, height, width) + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + app + sof + b"\x11" * 1000


@pytest.mark.parametrize("data", [png(20, 10), png(7, 3) + b"x", png(9, 9) + b"xy", _jpeg(640, 480, 30_000),
                                  b"GIF89a" + struct.pack("<HH", 12, 34) + b"\x00" * 50, b"not an image at all"])
def test_log_without_hashes_reads_size_type_and_dimensions_from_the_base64_alone(data):
    body = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": _uri(data)}}]}]}
    hashed, = match_images(body, "chat")
    cheap, = match_images(body, "chat", hashes=False)
    assert hashed.pop("sha256") == hashlib.sha256(data).hexdigest()
    assert cheap == hashed and cheap["bytes"] == len(data)


def test_log_without_hashes_still_flags_base64_of_a_wrong_length():
    body = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": _uri(png(4, 4))[:-1]}}]}]}
    assert match_images(body, "chat", hashes=False) == [{"error": "bad base64"}]


def test_server_without_image_hashes_logs_no_sha256_unless_a_rule_needs_it():
    a = png(20, 10, 0)
    with run_in_thread(image_hashes=False, default_reply="none") as server:
        assert _ask(server.url, "text", _uri(a)) == "none"
        assert server.stats(requests=True)["requests"][0]["images"] == [
            {"bytes": len(a), "media_type": "image/png", "width": 20, "height": 10}]
    rule = [{"image_sha256": hashlib.sha256(a).hexdigest(), "reply": "by image"}]
    with run_in_thread(image_hashes=False, script=rule, default_reply="none") as server:
        assert _ask(server.url, "text", _uri(a)) == "by image"
        assert server.stats(requests=True)["requests"][0]["images"][0]["sha256"] == rule[0]["image_sha256"]
