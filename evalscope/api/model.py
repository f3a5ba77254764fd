"""What crosses the model boundary: the ``ModelAPI`` protocol, ``ModelOutput``, ``Usage`` and ``ModelError``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from evalscope.api.messages import ChatMessage

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig


class Usage(BaseModel):
    """Token counts as the server reported them."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: Optional[int] = None
    """Tokens in the prompt."""
    completion_tokens: Optional[int] = None
    """Tokens generated."""
    total_tokens: Optional[int] = None
    """Prompt plus completion."""


class ModelOutput(BaseModel):
    """One answer of a model."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    content: str = ""
    """The answer text (without the reasoning)."""
    reasoning_content: Optional[str] = None
    """Reasoning the server returned apart from the answer (``reasoning_content`` or ``reasoning``), if any."""
    choices: list[str] = Field(default_factory=list)
    """All answers when ``n > 1`` (the first equals ``content``)."""
    finish_reason: Optional[str] = None
    """Why generation stopped (``stop``, ``length``, ...)."""
    usage: Optional[Usage] = None
    """Token counts, when the server reported them."""
    model: Optional[str] = None
    """The model name the server reported."""
    latency: Optional[float] = None
    """Seconds from sending the request to the end of the answer (last attempt)."""
    ttft: Optional[float] = None
    """Seconds to the first content (streaming only)."""
    attempts: int = 1
    """Requests sent for this answer (1 + retries)."""
    empty_reason: Optional[str] = None
    """Set when the server answered with no text at all (``content: null``, a stream of only ``[DONE]``):
    what it sent. Such an answer is scored, counted and warned about, and asked again on resume."""

    @property
    def is_empty(self) -> bool:
        return self.empty_reason is not None


class ModelError(Exception):
    """A request that failed after its retries; becomes the ``error`` of the sample's record."""

    def __init__(self, message: str, status: Optional[int] = None, transient: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


@runtime_checkable
class ModelAPI(Protocol):
    """What the engine needs of a model: one async method per capability.

    ``generate`` is required for text benchmarks; ``embed`` for embedding backends. Retries,
    timeouts, headers and streaming live in the adapter. Failures raise ``ModelError``.
    """

    model_name: str

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput: ...


@runtime_checkable
class EncodesRequests(Protocol):
    """A model that can encode a request apart from sending it (optional; ``OpenAICompatibleModel`` can).

    ``encode_request`` is pure and thread-safe: the engine calls it in its image pool, right after an image
    sample's images are prepared, so that copying megabytes of base64 into a request body happens off the event
    loop; ``generate_encoded`` sends what it made. ``generate(m, c)`` is the same as
    ``generate_encoded(encode_request(m, c), c)``.
    """

    def encode_request(self, messages: list[ChatMessage], config: "GenerationConfig") -> Any: ...

    async def generate_encoded(self, request: Any, config: "GenerationConfig") -> ModelOutput: ...


async def aclose(model: Any) -> None:
    """Close a model's resources if it has an ``aclose`` method."""
    closer = getattr(model, "aclose", None)
    if closer is not None:
        await closer()
