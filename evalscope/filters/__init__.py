"""Output filters applied in order before scoring (``dataset_args[b].filters``)."""

from __future__ import annotations

import re
from typing import Any, Callable

from evalscope.errors import ConfigError
from evalscope.registry import RegistryError, register, registry

FilterFn = Callable[[str, Any], str]


@register("filter", "remove_until")
def remove_until(text: str, marker: str) -> str:
    """Drop everything up to and including the last ``marker`` (e.g. ``</think>``); no marker: unchanged."""
    index = text.rfind(marker)
    return text if index < 0 else text[index + len(marker):]


@register("filter", "regex")
def regex(text: str, pattern: str) -> str:
    """The first capture group (or the whole match) of the first match; ``""`` when nothing matches."""
    match = re.search(pattern, text, flags=re.DOTALL)
    if match is None:
        return ""
    return match.group(1) if match.groups() else match.group(0)


@register("filter", "strip")
def strip(text: str, _: Any = None) -> str:
    """Surrounding whitespace removed."""
    return text.strip()


def build_filters(spec: dict[str, Any] | None) -> list[tuple[str, FilterFn, Any]]:
    """Validate a filter spec once; unknown names and bad regexes are config errors."""
    chain = []
    for name, arg in (spec or {}).items():
        try:
            fn = registry.get("filter", name)
        except RegistryError as exc:
            raise ConfigError(f"filters: {exc}") from None
        if name == "regex":
            try:
                re.compile(arg)
            except re.error as exc:
                raise ConfigError(f"filters: regex {arg!r} does not compile: {exc}") from None
        chain.append((name, fn, arg))
    return chain


def apply_filters(text: str, chain: list[tuple[str, FilterFn, Any]]) -> str:
    for _, fn, arg in chain:
        text = fn(text, arg)
    return text
