"""Generation settings sent with every request (``--generation-config``)."""

from __future__ import annotations

import json
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator


def parse_kv_or_json(text: str, flag: str) -> dict[str, Any]:
    """Parse ``'{"a": 1}'`` or ``'a=1,b=x'`` (values read as JSON when they can be)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{flag}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(value, dict):
            raise ValueError(f"{flag}: expected a JSON object")
        return value
    out: dict[str, Any] = {}
    for part in _split_top_level(text):
        key, sep, raw = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{flag}: expected key=value pairs separated by commas, got {part!r}")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw.strip()
    return out


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes (``stop=["a","b"],n=2``)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


class GenerationConfig(BaseModel):
    """Sampling and transport settings for generation requests."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    temperature: Optional[float] = Field(default=None, ge=0)
    """Sampling temperature; 0 is greedy. Unset: the server's default."""
    top_p: Optional[float] = Field(default=None, gt=0, le=1)
    """Nucleus sampling probability mass."""
    top_k: Optional[int] = None
    """Sample from the k most likely tokens (sent in the body; not all servers accept it)."""
    max_tokens: Optional[int] = Field(default=None, gt=0)
    """Maximum tokens to generate per answer."""
    n: Optional[int] = Field(default=None, ge=1)
    """Answers per request."""
    seed: Optional[int] = None
    """Sampling seed sent to the server."""
    stop: Optional[Union[str, list[str]]] = None
    """Stop sequence(s)."""
    presence_penalty: Optional[float] = None
    """OpenAI presence penalty."""
    frequency_penalty: Optional[float] = None
    """OpenAI frequency penalty."""
    stream: bool = False
    """Stream the answer (server-sent events); records time to first token."""
    timeout: Optional[float] = Field(default=None, gt=0)
    """Seconds one request may take (connect + read) before it is retried or fails."""
    retries: int = Field(default=5, ge=0)
    """Re-sends after a transient failure (429, 5xx, connection errors, timeouts)."""
    extra_headers: dict[str, str] = Field(default_factory=dict)
    """HTTP headers added to every request."""
    extra_body: dict[str, Any] = Field(default_factory=dict)
    """Fields merged into every request body (e.g. ``{"chat_template_kwargs": {...}}``)."""

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = parse_kv_or_json(data, "generation_config")
        if isinstance(data, dict) and "max_new_tokens" in data:
            data = dict(data)
            value = data.pop("max_new_tokens")
            data.setdefault("max_tokens", value)
        return data

    def request_fields(self) -> dict[str, Any]:
        """The sampling fields that go into an OpenAI request body (unset ones are left out)."""
        keys = ("temperature", "top_p", "top_k", "max_tokens", "n", "seed", "stop", "presence_penalty",
                "frequency_penalty")
        body = {k: getattr(self, k) for k in keys if getattr(self, k) is not None}
        body.update(self.extra_body)
        return body

    def identity(self) -> dict[str, Any]:
        """The settings that change what the model answers (a resumed run must share them)."""
        return self.request_fields()
