"""general_vqa and general_vmcq: the user's own image questions, in EvalScope's formats.

``general_vqa`` rows (jsonl, json, csv/tsv, parquet; ``<subset>_test.<ext>`` or ``<subset>.<ext>``): either
``messages``, OpenAI chat messages (a JSON string in TSV) whose parts are ``text`` and ``image_url``
(``{"url": path | URL | data: URI}``), or plain-text user messages with ``<image N>`` placeholders filled
from the row's ``image_N`` columns (or its ``images`` list); or ``question`` (``query``) with ``image`` /
``images`` / ``image_N`` columns. ``answer`` (``response``) is the reference. Metrics BLEU and ROUGE, as
EvalScope. The messages are sent as written; a ``prompt_template`` (``{question}``) applies to the last
user turn's text.

``general_vmcq`` rows (``<subset>_val.<ext>``, few-shot from ``<subset>_dev.<ext>``): ``question`` (with
optional ``<image N>`` placeholders), ``options`` (a list, or its JSON text; no ``A.`` prefixes), ``answer``
(a letter), images as above. The prompt is the multiple-choice template (``ANSWER: [LETTER]``); images
without a placeholder follow the text. Metric ``acc``.

Several images per sample are sent in order; paths are relative to ``local_path`` (see
``evalscope.benchmarks.vision.media``).
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from evalscope.api import ChatMessage, ContentImage, ContentText, Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.general_mcq import LocalSubsetsMixin
from evalscope.benchmarks.general_qa import GeneralQA
from evalscope.benchmarks.multiple_choice import LETTERS, MCQ_TEMPLATE, extract_choice, format_choices, normalize_label
from evalscope.benchmarks.vision.media import VisionBenchmark, image_part
from evalscope.registry import register

PLACEHOLDER = re.compile(r"<image[ _](\d+)>")


def _indexed_images(record: dict[str, Any]) -> dict[int, Any]:
    images = {i: record[f"image_{i}"] for i in range(1, 101) if record.get(f"image_{i}") not in (None, "")}
    if not images:
        listed = record.get("images")
        listed = [listed] if isinstance(listed, str) else list(listed or [])
        if record.get("image") not in (None, ""):
            listed = [record["image"], *listed]
        images = {i + 1: v for i, v in enumerate(listed) if v not in (None, "")}
    return images


class _RowImages:
    """The images of one row, made into parts once each, for placeholders and for what is left over."""

    def __init__(self, bench: VisionBenchmark, record: dict[str, Any], index: int, subset: str) -> None:
        self.cells = _indexed_images(record)
        self.dirs = bench.image_dirs(subset)
        self.what = f"{bench.name}/{subset} row {index + 1}"
        self.used: set[int] = set()

    def part(self, n: int, value: Any = None) -> ContentImage:
        if value is None:
            if n not in self.cells:
                raise ValueError(f"{self.what}: <image {n}> has no image_{n} (images given: {sorted(self.cells)})")
            value = self.cells[n]
            self.used.add(n)
        return image_part(value, self.dirs, f"{self.what} image {n}")

    def interleave(self, text: str) -> list[Any]:
        """``text`` split at its ``<image N>`` placeholders, each replaced by that image's part."""
        parts: list[Any] = []
        last = 0
        for m in PLACEHOLDER.finditer(text):
            if text[last:m.start()].strip():
                parts.append(ContentText(text=text[last:m.start()]))
            parts.append(self.part(int(m.group(1))))
            last = m.end()
        if text[last:].strip() or not parts:
            parts.append(ContentText(text=text[last:]))
        return parts

    def rest(self) -> list[ContentImage]:
        return [self.part(n) for n in sorted(self.cells) if n not in self.used]


def _openai_part(part: Any, images: _RowImages, n: int) -> Any:
    if isinstance(part, str):
        return ContentText(text=part)
    kind = part.get("type")
    if kind == "text":
        return ContentText(text=str(part.get("text", "")))
    if kind in ("image_url", "image"):
        value = part.get("image_url") or part.get("image")
        value = value.get("url") if isinstance(value, dict) and "url" in value else value
        return images.part(n, value)
    raise ValueError(f"{images.what}: unsupported content part type {kind!r} (text and image_url are)")


def parse_messages(raw: Any, images: _RowImages) -> list[ChatMessage]:
    """OpenAI-style messages (a list or its JSON text) as ChatMessages, images resolved."""
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{images.what}: 'messages' must be a non-empty list of chat messages")
    out, count = [], 0
    for message in raw:
        content = message.get("content")
        if isinstance(content, str) and message.get("role") == "user" and PLACEHOLDER.search(content):
            content = images.interleave(content)
        elif isinstance(content, list):
            parts = []
            for part in content:
                count += isinstance(part, dict) and part.get("type") in ("image_url", "image")
                parts.append(_openai_part(part, images, count))
            content = parts
        out.append(ChatMessage(role=message["role"], content=content if content is not None else ""))
    return out


@register("benchmark", "general_vqa")
class GeneralVQA(LocalSubsetsMixin, VisionBenchmark):
    meta = BenchmarkMeta(
        name="general_vqa",
        pretty_name="General VQA",
        subsets=("default",),
        eval_split="test",
        metric_list=("BLEU", "Rouge"),
        prompt_template="{question}",
    )
    _discovered = GeneralQA._discovered  # <subset>_test.<ext>, else every data file is a subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        images = _RowImages(self, record, index, subset)
        target = str(record.get("answer", record.get("response", "")) or "")
        sid = str(record.get("id", index))
        if record.get("messages"):
            return Sample(id=sid, input=parse_messages(record["messages"], images), target=target)
        question = record.get("question", record.get("query"))
        if not question:
            raise ValueError(f"{images.what}: needs 'messages' or 'question'")
        content = images.interleave(str(question))
        content += images.rest()
        return Sample(id=sid, input=[ChatMessage(role="user", content=content)], target=target)

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        if self.args.prompt_template is None and isinstance(sample.input, list):
            system = self.system_prompt
            has_system = sample.input[0].role == "system"
            return self.resolve_images(
                ([ChatMessage(role="system", content=system)] if system and not has_system else [])
                + list(sample.input))
        return super().build_messages(sample, few_shots)


def _options(raw: Any, what: str) -> list[str]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = ast.literal_eval(raw)
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ValueError(f"{what}: 'options' must be a non-empty list of strings")
    return [str(o) for o in raw]


@register("benchmark", "general_vmcq")
class GeneralVMCQ(LocalSubsetsMixin, VisionBenchmark):
    template_fields = ("query", "choices", "letters")  # str.format, as the text-only multiple choice
    meta = BenchmarkMeta(
        name="general_vmcq",
        pretty_name="General VMCQ",
        subsets=("default",),
        eval_split="val",
        train_split="dev",
        few_shot_num=0,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        images = _RowImages(self, record, index, subset)
        choices = _options(record.get("options"), images.what)
        text = self.prompt_template.format(query=str(record["question"]).strip(), choices=format_choices(choices),
                                           letters=",".join(LETTERS[: len(choices)]))
        content = images.interleave(text) + images.rest()
        return Sample(id=str(record.get("id", index)), input=[ChatMessage(role="user", content=content)],
                      choices=choices, target=normalize_label(record["answer"], len(choices)))

    def format_query(self, sample: Sample) -> str:
        return sample.input_text  # the template was applied with the placeholders in place

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        messages = [ChatMessage(role="system", content=self.system_prompt)] if self.system_prompt else []
        shots: list[Any] = []
        for shot in few_shots:
            content = shot.input[-1].content if isinstance(shot.input, list) else [ContentText(text=shot.input)]
            shots += [*content, ContentText(text=f"ANSWER: {shot.target_text}\n\n")]
        return self.resolve_images(messages + [ChatMessage(role="user",
                                                           content=shots + list(sample.input[-1].content))])

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_choice(prediction, len(sample.choices or []))

