"""The text of an OpenAI ``content`` value, shared by the eval client and the perf client (pure)."""

from __future__ import annotations

from typing import Any


def text_of(value: Any) -> str:
    """A string as is; a list of content parts (``[{"type": "text", "text": ...}]``, as Mistral streams) as the
    text of its parts; anything else (``None``, junk) as empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else p.get("text") or "" if isinstance(p, dict) else "" for p in value)
    return ""
