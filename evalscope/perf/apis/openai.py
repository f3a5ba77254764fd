"""The OpenAI-compatible APIs: chat completions, completions (chosen by URL), embeddings."""

from __future__ import annotations

import json
from typing import Any

from evalscope.errors import UsageError
from evalscope.perf.apis.base import ApiPlugin, PromptItem
from evalscope.registry import register


@register("perf_api", "openai")
class OpenAIApi(ApiPlugin):
    """``/v1/chat/completions`` or ``/v1/completions``, whichever ``--url`` names."""

    def __init__(self, args) -> None:
        super().__init__(args)
        self.chat = args.is_chat
        self.template = json.loads(args.query_template) if args.query_template else None

    def build_body(self, item: PromptItem) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.args.model}
        if self.chat:
            messages = item.messages if item.messages is not None else [{"role": "user", "content": item.text()}]
            body["messages"] = messages
        else:
            if item.prompt is None and item.messages is not None and any(
                not isinstance(m.get("content"), str) for m in item.messages
            ):
                raise UsageError("multimodal prompts need a chat URL (.../v1/chat/completions)")
            body["prompt"] = item.text()
        body.update(self.sampling_fields())
        if self.template is not None:
            body = _fill_template(self.template, body)
        body.update(self.args.extra_args)
        return body


def _fill_template(template: Any, body: dict[str, Any]) -> Any:
    """EvalScope's ``--query-template``: ``%prompt`` / ``%m`` placeholders in a JSON body template."""
    text = json.dumps(template)
    prompt = body.get("prompt")
    if prompt is None:
        prompt = body["messages"][-1]["content"]
    text = text.replace('"%prompt"', json.dumps(prompt)).replace('"%m"', json.dumps(body.get("model")))
    return json.loads(text)


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
