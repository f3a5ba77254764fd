"""Message parts: OpenAI encoding through the one codec, content hashes, and records without image bytes."""

import base64
import json

import pytest

from evalscope.api import ChatMessage, ContentImage, ContentText, ModelError, Sample
from evalscope.api.media import stamp
from evalscope.native.engine import messages_hash
from evalscope.native.records import PredictionRecord
from evalscope.wire.openai import build_payload

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _vision_message(path):
    return ChatMessage(role="user", content=[ContentText(text="What is shown?"), ContentImage(image=str(path)),
                                             ContentImage(image="https://example.org/a.jpg", detail="low")])


def test_local_images_are_sent_as_data_uris_and_urls_as_is(tmp_path):
    path = tmp_path / "one.png"
    path.write_bytes(PNG)
    body = build_payload("chat", "m", [_vision_message(path)], {}, stream=False)
    parts = body["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "What is shown?"}
    assert parts[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert parts[2] == {"type": "image_url", "image_url": {"url": "https://example.org/a.jpg", "detail": "low"}}
    text_only = build_payload("chat", "m", [ChatMessage(role="user", content="hi")], {}, stream=False)
    assert text_only["messages"] == [{"role": "user", "content": "hi"}]


def test_completions_refuse_images(tmp_path):
    path = tmp_path / "one.png"
    path.write_bytes(PNG)
    with pytest.raises(ModelError, match="text only"):
        build_payload("completions", "m", [_vision_message(path)], {}, stream=False)


def test_records_keep_hash_and_source_never_bytes(tmp_path):
    path = tmp_path / "one.png"
    path.write_bytes(PNG)
    inline = "data:image/png;base64," + base64.b64encode(PNG).decode()
    messages = stamp([_vision_message(path), ChatMessage(role="user", content=[ContentImage(image=inline)])])
    record = PredictionRecord(sample_id="0", subset="s", model="m", input_hash=messages_hash(messages),
                              messages=messages, target="x")
    line = record.model_dump_json()
    assert base64.b64encode(PNG).decode() not in line and "base64" not in line
    parts = json.loads(line)["messages"][0]["content"]
    assert parts[1]["source"] == str(path) and len(parts[1]["sha256"]) == 16 and "image" not in parts[1]
    assert json.loads(line)["messages"][1]["content"][0]["source"] == "inline"
    assert PredictionRecord.model_validate_json(line).messages[0].content[1].sha256 == parts[1]["sha256"]


def test_prompt_hash_follows_image_content_not_its_path(tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "moved.png", tmp_path / "other.png"
    a.write_bytes(PNG)
    b.write_bytes(PNG)
    c.write_bytes(PNG + b"\0")
    hashes = [messages_hash(stamp([_vision_message(p)])) for p in (a, b, c)]
    assert hashes[0] == hashes[1] != hashes[2]
    # plain text messages hash as before parts existed (resume of older runs keeps working)
    from evalscope.native.records import stable_hash

    plain = [ChatMessage(role="user", content="Q")]
    assert messages_hash(plain) == stable_hash([{"role": "user", "content": "Q"}])


def test_sample_targets_and_conversation_input():
    s = Sample(id="1", input=[ChatMessage(role="system", content="S"), ChatMessage(role="user", content="Q?")],
               target=["yes", "Yes."])
    assert s.input_text == "Q?" and s.targets == ["yes", "Yes."] and s.target_text == "yes"
    with pytest.raises(ValueError):
        ChatMessage(role="robot", content="x")
    assert ChatMessage(role="tool", content="42", tool_call_id="c1").text == "42"


def test_media_types_from_magic_bytes():
    from evalscope.api.media import sniff_media_type

    assert sniff_media_type(PNG) == "image/png"
    assert sniff_media_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_media_type(b"RIFF\0\0\0\0WAVEfmt ") == "audio/wav"
    assert sniff_media_type(b"????", "x.jpg") == "image/jpeg" and sniff_media_type(b"????") is None


def test_perf_images_go_through_the_codec():
    from evalscope.perf.datasets.images import image_message

    (message,) = image_message("Describe.", [(PNG, "image/png")])
    assert message == {"role": "user", "content": [
        {"type": "text", "text": "Describe."},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}}]}
