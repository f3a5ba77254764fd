"""Chat messages whose content is a string or a list of typed parts (text, image; audio and video declared).

An image part holds where the image comes from (``image``: a local path, an http(s) URL or a ``data:`` URI)
and, once read, its content hash. What is written to records is :meth:`ChatMessage.for_record`: image bytes
never reach a file, only ``sha256`` + ``source``. The wire encoding (OpenAI's ``image_url`` parts) lives in
``evalscope.wire.openai``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentText(_Part):
    """A text part."""

    type: Literal["text"] = "text"
    """Part kind."""
    text: str
    """The text."""


class _MediaPart(_Part):
    sha256: Optional[str] = None
    """Content hash of the bytes (hex, first 16 digits), set when the bytes were read; what records keep."""
    source: Optional[str] = None
    """Where the bytes came from, as the data said: a path, a URL, or ``inline`` for data given as base64."""
    media_type: Optional[str] = None
    """MIME type (``image/png``), when known."""


class ContentImage(_MediaPart):
    """An image part."""

    type: Literal["image"] = "image"
    """Part kind."""
    image: Optional[str] = None
    """A local path, an http(s) URL or a ``data:`` URI; ``None`` in records, where only hash + source remain."""
    detail: Literal["auto", "low", "high"] = "auto"
    """OpenAI's image detail hint."""


class ContentAudio(_MediaPart):
    """An audio part (declared for benchmarks to come; sent as OpenAI's ``input_audio``)."""

    type: Literal["audio"] = "audio"
    """Part kind."""
    audio: Optional[str] = None
    """A local path or a ``data:`` URI."""
    format: Optional[str] = None
    """``wav``, ``mp3``, ... (derived from the source when absent)."""


class ContentVideo(_MediaPart):
    """A video part (declared for benchmarks to come)."""

    type: Literal["video"] = "video"
    """Part kind."""
    video: Optional[str] = None
    """A local path, an http(s) URL or a ``data:`` URI."""


Content = Annotated[Union[ContentText, ContentImage, ContentAudio, ContentVideo], Field(discriminator="type")]

Role = Literal["system", "user", "assistant", "tool"]


class ChatMessage(BaseModel):
    """One message of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    """Who speaks."""
    content: Union[str, list[Content]]
    """The text, or a list of typed parts."""
    name: Optional[str] = None
    """Participant name (OpenAI's ``name``), rarely needed."""
    tool_call_id: Optional[str] = None
    """For ``role: tool``: the call this message answers."""

    @property
    def text(self) -> str:
        """The text of the message (text parts joined; media parts left out)."""
        return message_text(self)

    @property
    def media(self) -> list[Any]:
        """The media parts of the message, in order."""
        return [] if isinstance(self.content, str) else [p for p in self.content if p.type != "text"]

    def for_record(self) -> "ChatMessage":
        """This message as records keep it: media parts as hash + source, their bytes and data URIs dropped."""
        if isinstance(self.content, str) or not self.media:
            return self
        parts = [p if p.type == "text" else _recorded(p) for p in self.content]
        return self.model_copy(update={"content": parts})


def _recorded(part: Any) -> Any:
    field = part.type  # "image" -> .image, "audio" -> .audio, ...
    value = getattr(part, field)
    source = part.source or (("inline" if value.startswith("data:") else value) if value else None)
    return part.model_copy(update={field: None, "source": source})


def message_text(message: ChatMessage) -> str:
    """The text of a message: the string, or its text parts joined by newlines."""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(p.text for p in message.content if p.type == "text")
