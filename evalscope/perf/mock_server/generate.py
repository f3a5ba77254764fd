"""What the mock answers: the text it matches on, the reply tokens, the response bodies (pure)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from evalscope.perf.mock_server.config import MockServerConfig, Rule
from evalscope.perf.mock_server.script import count_tokens, filler_tokens, split_tokens


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return "" if content is None else str(content)


def _image_size(data: bytes) -> Optional[tuple[int, int]]:
    """Width and height from a PNG, GIF or JPEG header (``None`` for other formats or a broken header)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:4] == b"GIF8" and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    pos = 2 if data[:2] == b"\xff\xd8" else len(data)
    while pos + 9 <= len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], int.from_bytes(data[pos + 2 : pos + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            return int.from_bytes(data[pos + 7 : pos + 9], "big"), int.from_bytes(data[pos + 5 : pos + 7], "big")
        pos += 2 + length
    return None


HEAD_CHARS = 87_384
"""Base64 characters (64 KiB of image) read for a JPEG's dimensions when images are not decoded whole."""


def _image_head(payload: str) -> Optional[bytes]:
    """The first bytes of a base64 image (enough for a PNG/GIF header, or 64 KiB for a JPEG's frame header)."""
    try:
        head = base64.b64decode(payload[:44], validate=True)
        if head[:2] == b"\xff\xd8":
            head = base64.b64decode(payload[:HEAD_CHARS], validate=True)
    except ValueError:
        return None
    return head


def _image_entry(header: str, payload: str, hashes: bool) -> dict[str, Any]:
    """What the log says of one ``data:`` URI image (see :func:`match_images`)."""
    media_type = header[5:].split(";")[0]
    if not header.endswith(";base64"):
        data = payload.encode()
    elif hashes:
        try:
            data = base64.b64decode(payload, validate=True)
        except ValueError:
            return {"error": "bad base64"}
    else:
        head = _image_head(payload) if len(payload) % 4 == 0 else None
        if head is None:
            return {"error": "bad base64"}
        size = _image_size(head)
        return {"bytes": len(payload) // 4 * 3 - payload[-2:].count("="),
                "media_type": media_type, "width": size[0] if size else None, "height": size[1] if size else None}
    size = _image_size(data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "media_type": media_type,
            "width": size[0] if size else None, "height": size[1] if size else None}


def match_images(body: dict, endpoint: str, hashes: bool = True) -> list[dict[str, Any]]:
    """The images of the last user message, as received: sha256, size in bytes, MIME type, width and height of each
    ``data:`` URI part (an http(s) URL part is listed by its URL); what ``image_sha256`` rules and the log see.
    ``hashes=False``: no sha256, and base64 is not decoded past the header (its size comes from its length)."""
    messages = body.get("messages") if endpoint == "chat" else None
    user = next((m for m in reversed(messages or []) if isinstance(m, dict) and m.get("role") == "user"), None)
    content = user.get("content") if user else None
    out: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        url = (part.get("image_url") or {}).get("url") if isinstance(part, dict) else None
        if not isinstance(url, str):
            continue
        if not url.startswith("data:"):
            out.append({"url": url})
            continue
        header, _, payload = url.partition(",")
        out.append(_image_entry(header, payload, hashes))
    return out


def match_text(body: dict, endpoint: str) -> str:
    """The last user message (chat) or the prompt (completions): what rules and counters key on."""
    if endpoint == "chat":
        messages = body.get("messages") or []
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                return _content_text(message.get("content"))
        return _content_text(messages[-1].get("content")) if messages and isinstance(messages[-1], dict) else ""
    prompt = body.get("prompt", "")
    if isinstance(prompt, list):
        prompt = prompt[0] if prompt else ""
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


def prompt_token_count(body: dict, endpoint: str) -> int:
    if endpoint == "chat":
        return sum(count_tokens(_content_text(m.get("content"))) for m in body.get("messages") or [] if isinstance(m, dict))
    prompt = body.get("prompt", "")
    if isinstance(prompt, list):
        if prompt and isinstance(prompt[0], int):
            return len(prompt)
        prompt = prompt[0] if prompt else ""
    return count_tokens(prompt if isinstance(prompt, str) else "")


@dataclass
class Reply:
    content: list[str]
    reasoning: list[str]
    finish_reason: str


def build_reply(config: MockServerConfig, body: dict, text: str, rule: Optional[Rule]) -> Reply:
    """The reply tokens, honouring ``max_tokens``/``max_completion_tokens``, ``min_tokens`` and ``ignore_eos``."""
    reasoning: list[str] = []
    if rule is not None and rule.reply is not None:
        tokens = split_tokens(rule.reply)
        reasoning = split_tokens(rule.reasoning) if rule.reasoning else []
    elif rule is not None and rule.reasoning:
        reasoning = split_tokens(rule.reasoning)
        tokens = _default_tokens(config, text)
    else:
        tokens = _default_tokens(config, text)
    max_tokens = body.get("max_tokens", body.get("max_completion_tokens"))
    max_tokens = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None
    min_tokens = body.get("min_tokens") if isinstance(body.get("min_tokens"), int) else 0
    finish = "stop"
    if body.get("ignore_eos") and max_tokens is not None:
        min_tokens = max(min_tokens, max_tokens)
    if len(tokens) < min_tokens:
        tokens = tokens + filler_tokens(min_tokens - len(tokens), offset=len(tokens))
    if max_tokens is not None and len(tokens) >= max_tokens:
        if len(tokens) > max_tokens or body.get("ignore_eos"):
            finish = "length"
        tokens = tokens[:max_tokens]
    return Reply(content=tokens, reasoning=reasoning, finish_reason=finish)


def _default_tokens(config: MockServerConfig, text: str) -> list[str]:
    if config.mode == "echo":
        return split_tokens(text)
    if config.default_reply is not None:
        return split_tokens(config.default_reply)
    return filler_tokens(config.output_tokens)


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def full_response(endpoint: str, rid: str, model: str, reply: Reply, prompt_tokens: int) -> dict[str, Any]:
    """A non-streaming chat or completions body."""
    text = "".join(reply.content)
    n_out = len(reply.content) + len(reply.reasoning)
    if endpoint == "chat":
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reply.reasoning:
            message["reasoning_content"] = "".join(reply.reasoning)
        choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
        obj = "chat.completion"
    else:
        choice = {"index": 0, "text": text, "finish_reason": reply.finish_reason, "logprobs": None}
        obj = "text_completion"
    return {
        "id": rid,
        "object": obj,
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": usage(prompt_tokens, n_out),
    }


@lru_cache(maxsize=65536)
def _quoted(text: str) -> bytes:
    return json.dumps(text).encode()


class ChunkWriter:
    """Pre-rendered SSE chunk templates of one streamed response (only the piece is JSON-encoded, cached)."""

    def __init__(self, endpoint: str, rid: str, model: str) -> None:
        self.endpoint = endpoint
        obj = "chat.completion.chunk" if endpoint == "chat" else "text_completion"
        created = int(time.time())
        self._head = (
            'data: {"id":%s,"object":"%s","created":%d,"model":%s,"choices":[{"index":0,'
            % (json.dumps(rid), obj, created, json.dumps(model))
        ).encode()
        self._base = b'data: {"id":%s,"object":"%s","created":%d,"model":%s,' % (
            json.dumps(rid).encode(), obj.encode(), created, json.dumps(model).encode())
        if endpoint == "chat":
            self._content = self._head + b'"delta":{"content":'
            self._reasoning = self._head + b'"delta":{"reasoning_content":'
            self._tail = b'},"finish_reason":null}]}\n\n'
        else:
            self._content = self._reasoning = self._head + b'"text":'
            self._tail = b',"finish_reason":null,"logprobs":null}]}\n\n'

    def content_run(self, texts: list[str]) -> bytes:
        """Consecutive one-piece content chunks, rendered with one ``bytes.join``."""
        if not texts:
            return b""
        tail = self._tail
        return self._content + self._content.join([_quoted(t) + tail for t in texts])

    def role(self) -> bytes:
        return self._head + b'"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'

    def piece(self, text: str, reasoning: bool = False) -> bytes:
        return (self._reasoning if reasoning else self._content) + _quoted(text) + self._tail

    def final(self, finish_reason: str, extra: dict[str, Any]) -> bytes:
        delta = b'"delta":{}' if self.endpoint == "chat" else b'"text":""'
        return (self._head + delta + b',"finish_reason":' + _quoted(finish_reason) + b"}]"
                + b"".join(b"," + _quoted(k) + b":" + json.dumps(v).encode() for k, v in extra.items()) + b"}\n\n")

    def usage(self, prompt_tokens: int, completion_tokens: int) -> bytes:
        return self._base + b'"choices":[],"usage":' + json.dumps(usage(prompt_tokens, completion_tokens)).encode() + b"}\n\n"

    def raw(self, obj: Any) -> bytes:
        return b"data: " + json.dumps(obj).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def error_body(message: str, kind: str = "invalid_request_error", code: Optional[int] = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}
