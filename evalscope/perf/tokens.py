"""Token counts of each record, with their source (after the run, off the timed path).

Order of preference: the server's ``usage`` (source ``usage``); the prompt's known length (``dataset``,
``random`` with a tokenizer); the ``--tokenizer-path`` tokenizer (``tokenizer``). Without any, the
count stays ``None`` and the summary says so.
"""

from __future__ import annotations

from typing import Any, Optional

from evalscope.perf.apis.base import PromptItem
from evalscope.perf.records import RequestRecord


def fill_tokens(records: list[RequestRecord], items: list[PromptItem], tokenizer: Optional[Any]) -> None:
    for r in records:
        item = items[r.request_id] if 0 <= r.request_id < len(items) else None
        usage = r.usage or {}
        if isinstance(usage.get("prompt_tokens"), int):
            r.prompt_tokens, r.prompt_token_source = usage["prompt_tokens"], "usage"
        elif item is not None and item.prompt_tokens is not None:
            r.prompt_tokens, r.prompt_token_source = item.prompt_tokens, "dataset"
        elif tokenizer is not None and item is not None:
            r.prompt_tokens, r.prompt_token_source = tokenizer.count(item.text()), "tokenizer"
        if not r.success:
            r.chunk_texts = None
            continue
        if isinstance(usage.get("completion_tokens"), int):
            r.completion_tokens, r.completion_token_source = usage["completion_tokens"], "usage"
        elif tokenizer is not None:
            r.completion_tokens = tokenizer.count(r.reasoning + r.text) if r.reasoning else tokenizer.count(r.text)
            r.completion_token_source = "tokenizer"
        if tokenizer is not None and r.chunk_texts is not None and not r.reasoning:
            r.chunk_tokens = [max(1, tokenizer.count(t)) for t in r.chunk_texts]
        r.chunk_texts = None


def token_sources(records: list[RequestRecord]) -> dict[str, dict[str, int]]:
    """How many records got their prompt / completion counts from each source (``none``: unknown)."""
    out: dict[str, dict[str, int]] = {"prompt": {}, "completion": {}}
    for r in records:
        if not r.success:
            continue
        for kind, src in (("prompt", r.prompt_token_source), ("completion", r.completion_token_source)):
            key = src or "none"
            out[kind][key] = out[kind].get(key, 0) + 1
    return out


def cached_tokens(r: RequestRecord) -> Optional[int]:
    """The server-reported ``usage.prompt_tokens_details.cached_tokens`` (a prefix-cache hit), else ``None``."""
    details = (r.usage or {}).get("prompt_tokens_details")
    value = details.get("cached_tokens") if isinstance(details, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
