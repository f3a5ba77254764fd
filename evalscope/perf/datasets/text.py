"""Text datasets: ``openqa``, ``longalpaca``, ``line_by_line``, ``embedding``, and a fixed ``--prompt``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets.base import DatasetPlugin, field_of, read_records, read_text
from evalscope.registry import register


@register("perf_dataset", "openqa")
class OpenQA(DatasetPlugin):
    """JSONL with a ``question`` field per line (EvalScope: HC3-Chinese ``open_qa.jsonl``)."""

    HUB = ("Hello-SimpleAI/HC3-Chinese", "open_qa.jsonl")

    def items(self) -> Iterator[PromptItem]:
        path = self.require_path("a JSONL file with a 'question' field (e.g. HC3-Chinese open_qa.jsonl)")
        for lineno, obj in read_records(path):
            text = field_of(obj, ("question",), path, lineno)
            if text and self.keep(text):
                yield self.chat_item(text)


@register("perf_dataset", "longalpaca")
class LongAlpaca(DatasetPlugin):
    """JSON list or JSONL with an ``instruction`` field (LongAlpaca-12k)."""

    HUB = ("Yukang/LongAlpaca-12k", "LongAlpaca-12k.json")

    def items(self) -> Iterator[PromptItem]:
        path = self.require_path("a JSON/JSONL file with an 'instruction' field (e.g. LongAlpaca-12k)")
        for lineno, obj in read_records(path):
            text = field_of(obj, ("instruction",), path, lineno)
            if text and self.keep(text):
                yield self.chat_item(text)


@register("perf_dataset", "line_by_line")
class LineByLine(DatasetPlugin):
    """One prompt per non-empty line of a text file (also ``custom`` without ``--dataset-plugin``, as in
    EvalScope; an EvalScope-style plugin registered as ``custom`` replaces it)."""

    def items(self) -> Iterator[PromptItem]:
        path = self.require_path("a text file with one prompt per line")
        for line in read_text(path).splitlines():
            text = line.strip()
            if text and self.keep(text):
                yield self.chat_item(text)


register("perf_dataset", "custom")(LineByLine)


@register("perf_dataset", "embedding")
class EmbeddingInputs(DatasetPlugin):
    """Embedding inputs: lines of a text file, or JSONL with ``text``/``input``/``question``."""

    def items(self) -> Iterator[PromptItem]:
        path = self.require_path("a text file (one input per line) or JSONL with a 'text' field")
        if path.suffix in (".jsonl", ".json"):
            texts = (field_of(o, ("text", "input", "question"), path, n) for n, o in read_records(path))
        else:
            texts = (line.strip() for line in read_text(path).splitlines())
        for text in texts:
            if text and self.keep(text):
                yield PromptItem(input=text)


class FixedPrompt(DatasetPlugin):
    """``--prompt TEXT`` or ``--prompt @file``: the same prompt for every request."""

    def items(self) -> Iterator[PromptItem]:
        text = self.args.prompt or ""
        if text.startswith("@"):
            text = read_text(Path(text[1:]).expanduser(), "--prompt")
        while True:
            yield PromptItem(input=text) if self.args.api in ("openai_embedding", "embedding") else self.chat_item(text)
