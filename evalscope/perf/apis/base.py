"""The API plugin contract: build a request body from a prompt, read chunks and bodies back (pure)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from evalscope.wire.content import text_of

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


class NoChoices(ValueError):
    """A whole reply that carries no choice (``choices: []`` or none): a failed request, whatever its status."""


# (text, reasoning, usage, finish_reason) of one streamed event or one whole body
Parsed = tuple[str, str, Optional[dict], Optional[str]]


class ApiPlugin:
    """Subclass and implement ``build_body``; the parsers default to the OpenAI formats."""

    streams: bool = True
    """False for APIs that never stream (embeddings)."""
    embedding: bool = False

    def __init__(self, args: "PerfArgs") -> None:
        self.args = args
        self._rng: Optional[random.Random] = None

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
            content = delta.get("content") or ""
            think = delta.get("reasoning_content") or delta.get("reasoning") or ""
            if content.__class__ is not str or think.__class__ is not str:  # content parts (Mistral), or junk
                content, think = text_of(content), text_of(think)
            return content, think, usage, choice.get("finish_reason")
        return text_of(choice.get("text") or ""), "", usage, choice.get("finish_reason")

    def event_error(self, obj: Any) -> Optional[str]:
        """An error reported inside a 200 response (vLLM and SGLang send ``data: {"error": ...}`` mid-stream)."""
        if obj.get("error") is not None or obj.get("object") == "error":
            return json.dumps(obj.get("error", obj), ensure_ascii=False)[:300]
        return None

    def tool_text(self, obj: Any) -> str:
        """The tool-call text (function name and argument fragments) of a streamed event: timed like content."""
        choices = obj.get("choices")
        delta = choices[0].get("delta") if choices else None
        calls = delta.get("tool_calls") if isinstance(delta, dict) else None
        if not isinstance(calls, list):
            return ""
        parts = []
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                parts += [v for v in (function.get("name"), function.get("arguments")) if isinstance(v, str)]
        return "".join(parts)

    def parse_response(self, obj: Any) -> Parsed:
        """A whole non-streamed body."""
        usage = obj.get("usage")
        choices = obj.get("choices")
        if not choices:  # a 200 that answers nothing is not a success
            raise NoChoices("reply without choices")
        choice = choices[0]
        message = choice.get("message")
        if message is not None:  # reasoning as the streaming parser reads it: reasoning_content, else reasoning
            think = message.get("reasoning_content") or message.get("reasoning") or ""
            return text_of(message.get("content") or ""), text_of(think), usage, choice.get("finish_reason")
        return text_of(choice.get("text") or ""), "", usage, choice.get("finish_reason")

    def sampling_fields(self) -> dict[str, Any]:
        """The sampling flags of ``PerfArgs`` that are set, as body fields."""
        a = self.args
        fields: dict[str, Any] = {}
        max_tokens = a.max_tokens
        if isinstance(max_tokens, list):  # a range: each request draws its own
            if self._rng is None:
                self._rng = random.Random(a.seed if a.seed is not None else 0)
            max_tokens = self._rng.randint(max_tokens[0], max_tokens[1])
        for key, value in (
            ("max_tokens", max_tokens),
            ("min_tokens", a.min_tokens),
            ("stop", a.stop),
            ("stop_token_ids", a.stop_token_ids),
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

