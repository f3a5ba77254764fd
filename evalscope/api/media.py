"""Media bytes of message parts: where they come from, their hash, their ``data:`` URI (pure but for file reads).

A part's ``image``/``audio``/``video`` is a local path, an http(s) URL (sent as is, never fetched here), or a
``data:`` URI. ``stamp`` sets each part's ``sha256`` and ``media_type`` once, so that the prompt's hash (what
resume compares) depends on the image's content, not on where the file lies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from pathlib import Path
from typing import Any, Optional

from evalscope.api.messages import ChatMessage

_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
          (b"BM", "image/bmp"), (b"ID3", "audio/mpeg"), (b"fLaC", "audio/flac"))
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}


class MediaError(ValueError):
    """A media part that cannot be read (missing file, bad base64)."""


def source_of(part: Any) -> Optional[str]:
    return getattr(part, part.type, None)


def is_remote(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def sniff_media_type(data: bytes, name: str = "") -> Optional[str]:
    if data[:4] == b"RIFF" and data[8:12] in _RIFF:
        return _RIFF[data[8:12]]
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    guessed, _ = mimetypes.guess_type(name)
    return guessed


def read_bytes(value: str) -> tuple[bytes, Optional[str]]:
    """The bytes and MIME type of a local path or a ``data:`` URI (``MediaError`` when unreadable)."""
    if value.startswith("data:"):
        header, _, payload = value.partition(",")
        media_type = header[5:].split(";")[0] or None
        try:
            data = base64.b64decode(payload, validate=True) if ";base64" in header else payload.encode()
        except (binascii.Error, ValueError) as exc:
            raise MediaError(f"bad base64 in a data: URI ({exc})") from None
        return data, media_type or sniff_media_type(data)
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MediaError(f"cannot read media file {value!r}: {exc.strerror or exc}") from None
    return data, sniff_media_type(data, path.name)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def data_uri(part: Any) -> str:
    """The part as a URL a server accepts: an http(s) URL as is, anything else as a ``data:`` URI."""
    value = source_of(part)
    if not value:
        raise MediaError(f"{part.type} part has no {part.type} (records keep only hash + source; it cannot be sent)")
    if is_remote(value) or value.startswith("data:"):
        return value
    data, media_type = read_bytes(value)
    media_type = part.media_type or media_type or "application/octet-stream"
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def stamp(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The messages with each local or inline media part's ``sha256``, ``media_type`` and ``source`` set."""
    out = []
    for message in messages:
        if isinstance(message.content, str) or not message.media:
            out.append(message)
            continue
        parts = []
        for part in message.content:
            value = source_of(part) if part.type != "text" else None
            if value and part.sha256 is None and not is_remote(value):
                data, media_type = read_bytes(value)
                part = part.model_copy(update={
                    "sha256": content_hash(data), "media_type": part.media_type or media_type,
                    "source": part.source or ("inline" if value.startswith("data:") else value)})
            parts.append(part)
        out.append(message.model_copy(update={"content": parts}))
    return out


def identity(message: ChatMessage) -> dict[str, Any]:
    """What a message means, for hashing: media by content hash (or URL), never by local path or bytes."""
    data = message.model_dump(exclude_none=True)
    if isinstance(message.content, str):
        return data
    parts = []
    for part in message.content:
        if part.type == "text":
            parts.append({"type": "text", "text": part.text})
        else:
            value = source_of(part) or ""
            parts.append({"type": part.type, "ref": part.sha256 or (value if is_remote(value) else part.source),
                          **({"detail": part.detail} if part.type == "image" and part.detail != "auto" else {})})
    data["content"] = parts
    return data
