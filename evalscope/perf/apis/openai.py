"""The OpenAI-compatible APIs: chat completions, completions (chosen by URL), embeddings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import UsageError
from evalscope.perf.apis.base import ApiPlugin, PromptItem
from evalscope.registry import register


@register("perf_api", "openai")
class OpenAIApi(ApiPlugin):
    """``/v1/chat/completions`` or ``/v1/completions``, whichever ``--url`` names."""

    def __init__(self, args) -> None:
        super().__init__(args)
        self.chat = args.is_chat
        self.template = QueryTemplate.load(args.query_template) if args.query_template else None

    def build_body(self, item: PromptItem) -> dict[str, Any]:
        if self.chat:
            messages = item.messages if item.messages is not None else [{"role": "user", "content": item.text()}]
        else:
            messages = None
            if item.prompt is None and item.messages is not None and any(
                not isinstance(m.get("content"), str) for m in item.messages
            ):
                raise UsageError("multimodal prompts need a chat URL (.../v1/chat/completions)")
        if self.template is not None:
            body = self.template.fill(item.text(), messages, self.args.model)
            if self.args.model is not None:  # EvalScope: the flags prevail over the template
                body["model"] = self.args.model
        else:
            body = {"model": self.args.model}
            if messages is not None:
                body["messages"] = messages
            else:
                body["prompt"] = item.text()
        body.update(self.sampling_fields())
        if not self.args.stream:  # the response is read as one JSON body: a template's "stream" must not stay
            body.pop("stream", None)
            body.pop("stream_options", None)
        body.update(self.args.extra_args)
        return body


_PLACEHOLDER = re.compile("%prompt|%p|%m")


class QueryTemplate:
    """EvalScope's ``--query-template``: a JSON request body, inline or ``@file``, loaded once.

    In its strings ``%m`` becomes the model and ``%p`` (or ``%prompt``) the prompt's text; a chat message
    whose content is just ``%p`` is replaced by the prompt's messages (the whole conversation, images
    included). A template that names no place for the prompt gets it where EvalScope puts it: ``messages``
    (chat URL) or ``prompt`` (completions URL)."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.has_slot = any("%p" in s for s in _strings(template))  # "%p" or "%prompt" somewhere

    @classmethod
    def load(cls, spec: str) -> "QueryTemplate":
        """``spec``: JSON text, or ``@path`` of a JSON file; anything else is a ``UsageError``."""
        where = "--query-template"
        text = spec
        if spec.startswith("@"):
            path = Path(spec[1:]).expanduser()
            where = f"--query-template file {str(path)!r}"
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{where} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            template = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where} is not valid JSON: {exc}") from None
        if not isinstance(template, dict):
            raise UsageError(f"{where} must be a JSON object (a request body), not {type(template).__name__}")
        return cls(template)

    def fill(self, text: str, messages: Optional[list[dict[str, Any]]], model: Optional[str]) -> dict[str, Any]:
        """The body for one prompt: ``text``, and ``messages`` on a chat URL (``None`` otherwise)."""
        subs = {"%m": model or "", "%p": text, "%prompt": text}
        body: dict[str, Any] = {}
        for key, value in self.template.items():
            if key == "messages" and messages is not None and isinstance(value, list):
                body[key] = [out for m in value for out in (messages if _is_slot(m) else [_fill(m, subs)])]
            else:
                body[key] = _fill(value, subs)
        if not self.has_slot:
            if messages is not None:
                body["messages"] = messages
            else:
                body["prompt"] = text
        return body


def _is_slot(message: Any) -> bool:
    return isinstance(message, dict) and message.get("content") in ("%p", "%prompt")


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (dict, list)):
        for v in value.values() if isinstance(value, dict) else value:
            yield from _strings(v)


def _fill(value: Any, subs: dict[str, str]) -> Any:
    """``value`` (template JSON) with the placeholders of its strings replaced, in one pass."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: subs[m.group()], value) if "%" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, subs) for v in value]
    return value


@register("perf_api", "openai_embedding")
class OpenAIEmbeddingApi(ApiPlugin):
    """``/v1/embeddings``; never streams."""

    streams = False
    embedding = True

    def build_body(self, item: PromptItem) -> dict[str, Any]:
        inp = item.input if item.input is not None else item.text()
        body: dict[str, Any] = {"model": self.args.model, "input": inp}
        body.update(self.args.extra_args)
        return body

    def parse_response(self, obj: Any):
        data = obj.get("data")
        if not isinstance(data, list) or not data:
            raise ValueError("embeddings response without data")
        return "", "", obj.get("usage"), None


register("perf_api", "embedding")(OpenAIEmbeddingApi)
