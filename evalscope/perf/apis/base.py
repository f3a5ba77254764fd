"""The API plugin contract: build a request body from a prompt, read chunks and bodies back (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:
    from evalscope.perf.arguments import PerfArgs


@dataclass
class PromptItem:
    """One prompt of a dataset: chat ``messages``, a completions ``prompt``, or embedding ``input``."""

    messages: Optional[list[dict[str, Any]]] = None
    prompt: Optional[str] = None
    input: Optional[Union[str, list[str]]] = None
    prompt_tokens: Optional[int] = None
    """Known when the dataset made the prompt with a tokenizer."""
    meta: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The prompt's text (for tokenizers): message contents, the prompt, or the input."""
        if self.prompt is not None:
            return self.prompt
        if self.messages is not None:
            parts = []
            for m in self.messages:
                c = m.get("content")
                if isinstance(c, str):
                    parts.append(c)
                elif isinstance(c, list):
                    parts.extend(p.get("text", "") for p in c if isinstance(p, dict) and p.get("type") == "text")
            return "\n".join(parts)
        if isinstance(self.input, list):
            return "\n".join(self.input)
        return self.input or ""


# (text, reasoning, usage, finish_reason) of one streamed event or one whole body
Parsed = tuple[str, str, Optional[dict], Optional[str]]


class ApiPlugin:
    """Subclass and implement ``build_body``; the parsers default to the OpenAI formats."""

    streams: bool = True
    """False for APIs that never stream (embeddings)."""
    embedding: bool = False

    def __init__(self, args: "PerfArgs") -> None:
        self.args = args

    def build_body(self, item: PromptItem) -> dict[str, Any]:
        raise NotImplementedError

    def parse_event(self, obj: Any) -> Parsed:
        """One streamed JSON event (chat or completions chunk)."""
        usage = obj.get("usage")
        choices = obj.get("choices")
        if not choices:
            return "", "", usage, None
        choice = choices[0]
        delta = choice.get("delta")
        if delta is not None:
            return delta.get("content") or "", delta.get("reasoning_content") or delta.get("reasoning") or "", usage, choice.get("finish_reason")
        return choice.get("text") or "", "", usage, choice.get("finish_reason")

    def parse_response(self, obj: Any) -> Parsed:
        """A whole non-streamed body."""
        usage = obj.get("usage")
        choices = obj.get("choices") or []
        if not choices:
            return "", "", usage, None
        choice = choices[0]
        message = choice.get("message")
        if message is not None:
            return (message.get("content") or "", message.get("reasoning_content") or "", usage,
                    choice.get("finish_reason"))
        return choice.get("text") or "", "", usage, choice.get("finish_reason")

    def sampling_fields(self) -> dict[str, Any]:
        """The sampling flags of ``PerfArgs`` that are set, as body fields."""
        a = self.args
        fields: dict[str, Any] = {}
        for key, value in (
            ("max_tokens", a.max_tokens),
            ("min_tokens", a.min_tokens),
            ("stop", a.stop),
            ("temperature", a.temperature),
            ("top_p", a.top_p),
            ("top_k", a.top_k),
            ("seed", a.seed),
            ("frequency_penalty", a.frequency_penalty),
            ("repetition_penalty", a.repetition_penalty),
            ("logprobs", a.logprobs),
            ("n", a.n_choices),
        ):
            if value is not None:
                fields[key] = value
        if a.stream:
            fields["stream"] = True
            fields["stream_options"] = {"include_usage": True}
        return fields


def encode_body(api: "ApiPlugin", item: PromptItem) -> bytes:
    """The request body of ``item``, as sent (UTF-8 JSON)."""
    return json.dumps(api.build_body(item), ensure_ascii=False).encode()
