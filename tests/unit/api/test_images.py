"""Images fitted to the limits per request: same bytes when they fit, scaled or re-encoded when not, a clear
error for a missing, corrupt or non-image file, and the work done in the preparer's threads."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import random
import threading

import pytest

from evalscope.api import ChatMessage, ContentImage, ContentText
from evalscope.api import images as images_mod
from evalscope.api.images import ImageLimits, ImagePreparer, fit_image, prepare_messages, prepare_part
from evalscope.api.media import MediaError
from evalscope.errors import ConfigError

Image = pytest.importorskip("PIL.Image", reason="Pillow (the 'vision' extra) is not installed")


def make_image(size=(64, 48), mode="RGB", fmt="PNG", noise=False, seed=0) -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128)[: len(mode)] if mode != "L" else 128)
    if noise:
        rng = random.Random(seed)
        image = Image.frombytes(mode, size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * len(mode))))
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def decoded(part) -> bytes:
    header, _, payload = part.image.partition(",")
    assert header.endswith(";base64")
    return base64.b64decode(payload)


def test_an_image_within_the_limits_is_sent_byte_for_byte(tmp_path):
    data = make_image()
    path = tmp_path / "a.png"
    path.write_bytes(data)
    part = prepare_part(ContentImage(image=str(path)), ImageLimits(max_bytes=10**6, max_pixels=10**6))
    assert part.image.startswith("data:image/png;base64,")
    assert hashlib.sha256(decoded(part)).digest() == hashlib.sha256(data).digest()


def test_over_the_pixel_limit_scales_down_keeping_aspect_and_format():
    data = make_image((1000, 1400))
    out, media_type = fit_image(data, "image/png", ImageLimits(max_pixels=350_000))
    image = Image.open(io.BytesIO(out))
    assert media_type == "image/png" and image.format == "PNG"
    assert image.width * image.height <= 350_000
    assert abs(image.width / image.height - 1000 / 1400) < 0.01
    assert image.width * image.height > 0.99 * 350_000  # not shrunk more than needed


def test_over_the_byte_limit_reencodes_as_jpeg_within_the_limit():
    data = make_image((300, 300), noise=True)  # noise: PNG cannot compress it (about 270 kB)
    assert len(data) > 200_000
    out, media_type = fit_image(data, "image/png", ImageLimits(max_bytes=60_000))
    assert media_type == "image/jpeg" and len(out) <= 60_000
    assert Image.open(io.BytesIO(out)).format == "JPEG"


def test_a_tiny_byte_limit_scales_down_until_it_fits():
    data = make_image((800, 800), noise=True)
    out, _ = fit_image(data, "image/png", ImageLimits(max_bytes=8_000))
    image = Image.open(io.BytesIO(out))
    assert len(out) <= 8_000 and image.width < 800 and image.width == image.height


def test_transparent_png_becomes_jpeg_on_white():
    data = make_image((400, 400), mode="RGBA", noise=True)
    out, media_type = fit_image(data, "image/png", ImageLimits(max_bytes=30_000))
    assert media_type == "image/jpeg" and Image.open(io.BytesIO(out)).mode == "RGB"


def test_an_impossible_limit_is_an_error_not_an_oversized_image():
    with pytest.raises(MediaError, match="does not fit in max_image_bytes=200"):
        fit_image(make_image((200, 200), noise=True), "image/png", ImageLimits(max_bytes=200), "'x.png'")


@pytest.mark.parametrize("content, problem", [
    (None, "cannot read media file"),
    (b"hello, not an image", "is not an image file"),
    (make_image((50, 50))[:60], "corrupt"),
])
def test_missing_non_image_and_corrupt_files_name_the_file(tmp_path, content, problem):
    path = tmp_path / "bad.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=problem) as info:
        prepare_part(ContentImage(image=str(path)), ImageLimits())
    assert "bad.png" in str(info.value)


def test_a_corrupt_image_under_limits_is_an_error_too(tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(make_image((120, 90), fmt="JPEG")[:300])
    with pytest.raises(MediaError, match="cut.jpg"):
        prepare_part(ContentImage(image=str(path)), ImageLimits(max_pixels=100))


def test_urls_pass_through_and_text_is_untouched():
    messages = [ChatMessage(role="user", content=[ContentText(text="q"), ContentImage(image="https://x/y.png")])]
    out = prepare_messages(messages, ImageLimits(max_bytes=10))
    assert out[0].content[1].image == "https://x/y.png" and out[0].content[0].text == "q"


def test_limits_without_pillow_are_a_config_error_with_the_install_hint(monkeypatch):
    monkeypatch.setattr(images_mod, "pillow_available", lambda: False)

    class Args:
        max_image_bytes = 1000
        image_max_pixels = None

    with pytest.raises(ConfigError, match=r"pip install 'evalscope\[vision\]'"):
        ImageLimits.of(Args())
    assert not ImageLimits.of(object()).active  # no limits: Pillow not needed


def test_the_preparer_works_in_its_own_threads(tmp_path, monkeypatch):
    path = tmp_path / "a.png"
    path.write_bytes(make_image())
    seen = []
    real = images_mod.prepare_messages

    def spy(messages, limits):
        seen.append(threading.current_thread().name)
        return real(messages, limits)

    monkeypatch.setattr(images_mod, "prepare_messages", spy)
    preparer = ImagePreparer(ImageLimits())
    messages = [ChatMessage(role="user", content=[ContentImage(image=str(path)), ContentText(text="q")])]
    text_only = [ChatMessage(role="user", content="no images")]
    try:
        out = asyncio.run(preparer.prepare(messages))
        assert asyncio.run(preparer.prepare(text_only)) is text_only
    finally:
        preparer.close()
    assert seen and seen[0].startswith("evalscope-images")
    assert out[0].content[0].image.startswith("data:image/png;base64,")


def test_limits_are_sizes_and_part_of_a_runs_identity():
    from evalscope.config import DatasetArgs

    args = DatasetArgs(max_image_bytes="5MB", image_max_pixels=1_000_000)
    assert args.max_image_bytes == 5_000_000 and DatasetArgs(max_image_bytes="5MiB").max_image_bytes == 5 * 2**20
    assert args.identity()["max_image_bytes"] == 5_000_000 and args.identity()["image_max_pixels"] == 1_000_000
    with pytest.raises(ValueError):
        DatasetArgs(max_image_bytes=0)
    assert ImageLimits.of(args) == ImageLimits(5_000_000, 1_000_000)


def test_a_prepared_image_reaches_the_request_body_unscanned_and_byte_exact(tmp_path):
    """prepare_part marks its data: URI as Base64Text; it survives the codec, and the body is json.dumps' bytes."""
    import json

    from evalscope.api.images import Base64Text
    from evalscope.wire.json_body import dumps_body
    from evalscope.wire.openai import build_payload

    data = make_image(noise=True)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    message = ChatMessage(role="user", content=[ContentText(text='say "hi"\n'), ContentImage(image=str(path))])
    prepared = prepare_messages([message], ImageLimits())
    assert isinstance(prepared[0].content[1].image, Base64Text)
    body = build_payload("chat", "m", prepared, {"temperature": 0}, False)
    url = body["messages"][0]["content"][1]["image_url"]["url"]
    assert isinstance(url, Base64Text)
    raw = dumps_body(body)
    assert raw == json.dumps(body).encode()
    assert base64.b64decode(json.loads(raw)["messages"][0]["content"][1]["image_url"]["url"].split(",")[1]) == data


@pytest.mark.parametrize("encoder", ["stdlib", "pybase64"])
def test_data_uris_are_the_same_bytes_with_either_base64_encoder(monkeypatch, encoder):
    """pybase64 (the vision extra) when installed, the standard library otherwise: the same URI, bytes and all."""
    import base64
    import os

    from evalscope.api import images

    if encoder == "pybase64":
        pybase64 = pytest.importorskip("pybase64", reason="pybase64 (evalscope[vision]) is not installed")
        monkeypatch.setattr(images, "b64encode", pybase64.b64encode)
    else:
        monkeypatch.setattr(images, "b64encode", base64.b64encode)
    for data in (b"", b"\x00", b"ab", os.urandom(3 * 1024 + 1), os.urandom(700_001)):
        uri = images.Base64Text.data_uri(data, "image/png")
        assert isinstance(uri, images.Base64Text)
        assert uri == "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        assert base64.b64decode(uri.split(",", 1)[1], validate=True) == data


def test_the_encoder_is_pybase64_when_installed_else_the_stdlib(monkeypatch):
    import base64
    import builtins
    import importlib.util

    from evalscope.api import images

    if importlib.util.find_spec("pybase64"):
        import pybase64

        assert images._b64encode() is pybase64.b64encode
    else:
        assert images._b64encode() is base64.b64encode
    real_import = builtins.__import__

    def no_pybase64(name, *args, **kwargs):
        if name == "pybase64":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pybase64)
    assert images._b64encode() is base64.b64encode
