"""The one OpenAI-compatible wire codec: URLs, request bodies, replies, errors and usage (pure; canned-data tests).

Used by the eval client, the judge, the embeddings client and perf's non-streaming path (perf keeps its own
fast streaming parser with the same semantics). Messages are encoded here and only here: a string content
stays a string; parts become OpenAI's ``text`` / ``image_url`` / ``input_audio`` parts, local media as
``data:`` URIs (``evalscope.api.media``). Reasoning is read from ``reasoning_content`` or ``reasoning``.
"""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence
from urllib.parse import urlsplit, urlunsplit

from evalscope.api import ChatMessage, ModelError, ModelOutput, Usage
from evalscope.api.media import MediaError, data_uri
from evalscope.wire.content import text_of
from evalscope.wire.urls import ApiKind, endpoint_url  # noqa: F401  (the codec's URL half, re-exported)


def embeddings_url(base_url: str) -> str:
    """The embeddings request URL for an API base (``/embeddings`` appended unless present; query kept)."""
    parts = urlsplit(base_url.strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/embeddings"):
        path += "/embeddings"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def messages_to_prompt(messages: list[ChatMessage]) -> str:
    """A plain-text prompt for the completions API: the message texts joined by blank lines."""
    if any(m.media for m in messages):
        raise ModelError("a completions endpoint takes text only; send images to a .../chat/completions URL")
    return "\n\n".join(m.text for m in messages)


def encode_part(part: Any) -> dict[str, Any]:
    """One content part as OpenAI's chat API spells it."""
    if part.type == "text":
        return {"type": "text", "text": part.text}
    try:
        url = data_uri(part)
    except MediaError as exc:
        raise ModelError(str(exc)) from None
    if part.type == "image":
        image: dict[str, Any] = {"url": url}
        if part.detail != "auto":
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    if part.type == "audio":
        media_type, _, payload = url.partition(";base64,")
        fmt = part.format or media_type.rsplit("/", 1)[-1].replace("mpeg", "mp3").replace("x-wav", "wav")
        return {"type": "input_audio", "input_audio": {"data": payload, "format": fmt}}
    return {"type": "video_url", "video_url": {"url": url}}


def encode_message(message: ChatMessage) -> dict[str, Any]:
    """One message as OpenAI's chat API spells it (string content stays a string)."""
    body: dict[str, Any] = {"role": message.role}
    if isinstance(message.content, str):
        body["content"] = message.content
    else:
        body["content"] = [encode_part(p) for p in message.content]
    if message.name is not None:
        body["name"] = message.name
    if message.tool_call_id is not None:
        body["tool_call_id"] = message.tool_call_id
    return body


def build_payload(
    kind: ApiKind, model: str, messages: list[ChatMessage], fields: dict[str, Any], stream: bool
) -> dict[str, Any]:
    """The JSON body of one request."""
    body: dict[str, Any] = {"model": model}
    if kind == "chat":
        body["messages"] = [encode_message(m) for m in messages]
    else:
        body["prompt"] = messages_to_prompt(messages)
    body.update(fields)
    if stream:
        body["stream"] = True
        body.setdefault("stream_options", {"include_usage": True})
    return body


def _usage(data: Any) -> Optional[Usage]:
    if not isinstance(data, dict):
        return None
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    values = {k: data[k] for k in keys if isinstance(data.get(k), int)}
    return Usage(**values) if values else None


def _choice_text(kind: ApiKind, choice: dict[str, Any]) -> tuple[str, Optional[str]]:
    if kind == "completions":
        return text_of(choice.get("text")), None
    message = choice.get("message") or {}
    reasoning = text_of(message.get("reasoning_content") or message.get("reasoning")) or None
    return text_of(message.get("content")), reasoning


def parse_response(kind: ApiKind, data: Any) -> ModelOutput:
    """A non-streaming response body (parsed JSON) as a ModelOutput; bad shapes raise ModelError."""
    if not isinstance(data, dict):
        raise ModelError(f"malformed response: expected a JSON object, got {type(data).__name__}")
    if "error" in data and not data.get("choices"):
        raise ModelError(f"server error in response body: {error_text(data)}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelError("malformed response: no 'choices'")
    texts = [_choice_text(kind, c) for c in choices if isinstance(c, dict)]
    first = choices[0].get("text" if kind == "completions" else "message")
    if isinstance(first, dict):
        first = first.get("content")
    empty = None
    if not texts[0][0] and not texts[0][1]:
        empty = "content null" if first is None else "empty content"
    return ModelOutput(
        content=texts[0][0],
        reasoning_content=texts[0][1],
        choices=[t for t, _ in texts],
        finish_reason=choices[0].get("finish_reason"),
        usage=_usage(data.get("usage")),
        model=data.get("model"),
        empty_reason=empty,
    )


def error_text(data: Any) -> str:
    """The server's error text from an OpenAI-style (or any) error body."""
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            return str(err.get("message") or err)
        return str(err)
    return str(data)


def error_message(status: int, body: bytes) -> str:
    """A one-line description of an HTTP error response."""
    text = body[:2000].decode("utf-8", errors="replace")
    try:
        detail = error_text(json.loads(text))
    except ValueError:
        detail = text.strip() or "(empty body)"
    return f"HTTP {status}: {detail}"


@dataclass
class StreamAccumulator:
    """Folds streamed chunks (parsed JSON of each SSE event) into one ModelOutput."""

    kind: ApiKind
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    finish_reason: Optional[str] = None
    usage: Optional[Usage] = None
    model: Optional[str] = None
    saw_content: bool = False

    def feed(self, chunk: Any) -> bool:
        """Add one chunk; returns True when it carried the first content or reasoning text."""
        if not isinstance(chunk, dict):
            raise ModelError("malformed stream chunk: expected a JSON object")
        if "error" in chunk and not chunk.get("choices"):
            raise ModelError(f"server error in stream: {error_text(chunk)}")
        self.model = chunk.get("model") or self.model
        usage = _usage(chunk.get("usage"))
        if usage is not None:
            self.usage = usage
        first = False
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            if self.kind == "completions":
                text, reasoning = text_of(choice.get("text")), None
            else:
                delta = choice.get("delta") or {}
                text = text_of(delta.get("content"))
                reasoning = text_of(delta.get("reasoning_content") or delta.get("reasoning")) or None
            if (text or reasoning) and not self.saw_content:
                self.saw_content = first = True
            if text:
                self.content.append(text)
            if reasoning:
                self.reasoning.append(reasoning)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return first

    def output(self) -> ModelOutput:
        content = "".join(self.content)
        reasoning = "".join(self.reasoning) or None
        return ModelOutput(
            content=content,
            reasoning_content=reasoning,
            choices=[content],
            finish_reason=self.finish_reason,
            usage=self.usage,
            model=self.model,
            empty_reason=None if (content or reasoning) else "stream without content",
        )


# -- embeddings


def build_embeddings_payload(model: str, texts: Sequence[str], dimensions: Optional[int] = None,
                             encoding_format: Optional[str] = None) -> dict[str, Any]:
    """The JSON body of one embeddings request; ``dimensions`` and ``encoding_format`` only when set."""
    payload: dict[str, Any] = {"model": model, "input": list(texts)}
    if dimensions is not None:
        payload["dimensions"] = dimensions
    if encoding_format is not None:
        payload["encoding_format"] = encoding_format
    return payload


def decode_embedding(embedding: Any) -> list[float]:
    """One embedding: a list of numbers, or base64 little-endian float32 (``encoding_format: base64``)."""
    if isinstance(embedding, str):
        raw = base64.b64decode(embedding)
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return [float(x) for x in embedding]


def parse_embeddings(body: Any) -> Optional[list[list[float]]]:
    """The vectors of an embeddings reply in input order (by ``index``); ``None`` when it has no ``data`` list."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return None
    ordered = sorted(data, key=lambda d: d.get("index", 0) if isinstance(d, dict) else 0)
    return [decode_embedding(d["embedding"]) for d in ordered]
