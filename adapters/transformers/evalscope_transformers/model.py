"""``TransformersModel``: a checkpoint loaded in-process, answering through batched ``generate`` calls.

Prompts are rendered with the tokenizer's chat template (or as plain text), tokenized with left padding
and gathered by the ``Batcher`` into one ``generate`` call per batch, run in a worker thread. The GPU is
used when present (``device_map=auto``), the CPU otherwise.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from evalscope.api import ChatMessage, ModelError, ModelOutput, Usage
from evalscope.wire.openai import encode_message, messages_to_prompt
from evalscope_transformers.args import CheckpointArgs
from evalscope_transformers.batcher import Batcher
from evalscope_transformers.loading import load_checkpoint
from evalscope_transformers.sampling import Params, completion_length, cut_at_stop, finish_reason, to_params

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Item:
    prompt: str
    params: Params
    images: tuple[Any, ...] = ()


class TransformersModel:
    """The ModelAPI of a local checkpoint (model type ``llm_ckpt``)."""

    def __init__(self, model_name: str, path: str, args: CheckpointArgs) -> None:
        self.model_name = model_name
        self.args = args
        self.tokenizer, self.model, self.processor = load_checkpoint(path, args)
        templated = self.processor if self.processor is not None else self.tokenizer
        self.use_chat_template = args.chat_template if args.chat_template is not None else bool(
            getattr(templated, "chat_template", None))
        self.max_length = args.max_length or _context_length(self.tokenizer, self.model)
        self.eos_ids = _eos_ids(self.model, self.tokenizer)
        self.batcher = Batcher(self._run_batch, args.batch_size, args.batch_window_ms / 1000)

    def render(self, messages: list[ChatMessage], params: Params) -> tuple[str, tuple[Any, ...]]:
        """The prompt text (the chat template applied with the generation prompt, or the plain texts) and
        the images it refers to (vision-language checkpoints)."""
        if not self.use_chat_template:
            return messages_to_prompt(messages), ()
        kwargs = json.loads(params.template_kwargs)
        if self.processor is not None:
            from evalscope_transformers.vision import conversation

            turns, images = conversation(messages)
            return self._template(self.processor, turns, kwargs), tuple(images)
        if any(m.media for m in messages):
            raise ModelError(f"{self.model_name} is a text-only checkpoint; image, audio and video parts need a "
                             "vision-language one")
        return self._template(self.tokenizer, [encode_message(m) for m in messages], kwargs), ()

    @staticmethod
    def _template(owner: Any, turns: list[dict[str, Any]], kwargs: dict[str, Any]) -> str:
        try:
            return owner.apply_chat_template(turns, tokenize=False, add_generation_prompt=True, **kwargs)
        except Exception as exc:  # a template that rejects the conversation (e.g. a system role)
            raise ModelError(f"the chat template rejected the conversation: {type(exc).__name__}: {exc}") from None

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        params = to_params(config, getattr(self.model.generation_config, "max_new_tokens", None))
        prompt, images = self.render(messages, params)
        item = _Item(prompt, params, images)
        started = time.perf_counter()
        output = await self.batcher.submit((params.batch_key(), bool(images)), item)
        if isinstance(output, ModelError):
            raise output
        output.latency = time.perf_counter() - started
        return output

    def _run_batch(self, key: Any, items: list[_Item]) -> list[Any]:
        """One ``generate`` call for requests that share their settings (runs in the worker thread)."""
        import torch

        params = items[0].params
        enc = self._encode(items)
        lengths = enc["attention_mask"].sum(dim=1).tolist()
        budget = self.max_length - max(lengths)
        if budget <= 0:  # the longest prompt alone fills the context: run the others without it
            return self._split_too_long(key, items, lengths)
        kwargs = params.generate_kwargs()
        kwargs["max_new_tokens"] = min(kwargs["max_new_tokens"], budget)
        if params.seed is not None:
            torch.manual_seed(params.seed)
        enc = {k: _to_model(v, self.model, k) for k, v in enc.items()}
        with torch.inference_mode():
            out = self.model.generate(**enc, **kwargs, tokenizer=self.tokenizer if params.stop else None,
                                      pad_token_id=self.tokenizer.pad_token_id)
        rows = out[:, enc["input_ids"].shape[1]:].tolist()
        per_item = len(rows) // len(items)
        return [self._output(rows[i * per_item:(i + 1) * per_item], lengths[i], params, kwargs["max_new_tokens"])
                for i in range(len(items))]

    def _encode(self, items: list[_Item]) -> Any:
        prompts = [i.prompt for i in items]
        if self.processor is not None and items[0].images:  # a batch has images in every item or in none
            return self.processor(text=prompts, images=[list(i.images) for i in items], padding=True,
                                  return_tensors="pt")
        return self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=not self.use_chat_template)

    def _split_too_long(self, key: Any, items: list[_Item], lengths: list[int]) -> list[Any]:
        fits = [i for i, n in enumerate(lengths) if n < self.max_length]
        done = dict(zip(fits, self._run_batch(key, [items[i] for i in fits]))) if fits else {}
        return [done.get(i) or ModelError(f"the prompt has {n} tokens; max_length is {self.max_length} "
                                          "(model_args.max_length)") for i, n in enumerate(lengths)]

    def _output(self, rows: list[list[int]], prompt_tokens: int, params: Params, max_new: int) -> ModelOutput:
        texts, generated, reasons = [], 0, []
        for row in rows:
            count, by_eos = completion_length(row, self.eos_ids, self.tokenizer.pad_token_id)
            body = row[: count - 1] if by_eos else row[:count]
            text, stopped = cut_at_stop(self.tokenizer.decode(body, skip_special_tokens=True), params.stop)
            texts.append(text)
            generated += count
            reasons.append(finish_reason(count, max_new, by_eos, stopped))
        if len(texts) < params.n:  # greedy with n > 1: the same answer n times, as a server gives it
            texts, reasons, generated = texts * params.n, reasons * params.n, generated * params.n
        return ModelOutput(content=texts[0], choices=texts, finish_reason=reasons[0], model=self.model_name,
                           usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=generated,
                                       total_tokens=prompt_tokens + generated))

    async def aclose(self) -> None:
        self.batcher.close()


def _to_model(value: Any, model: Any, key: str) -> Any:
    """An input tensor on the model's device (pixel values also in its dtype)."""
    if not hasattr(value, "to"):
        return value
    if key == "pixel_values" and value.is_floating_point():
        return value.to(device=model.device, dtype=model.dtype)
    return value.to(model.device)


def _context_length(tokenizer: Any, model: Any) -> int:
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < 10**7:  # transformers' "no limit" is a huge sentinel
        return limit
    return int(getattr(model.config, "max_position_embeddings", None) or 4096)


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    ids = getattr(model.generation_config, "eos_token_id", None)
    if ids is None:
        ids = tokenizer.eos_token_id
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    return {int(i) for i in ids}


def describe(model: TransformersModel) -> Optional[str]:
    """A one-line summary for the log: path, device, dtype, template use."""
    m = model.model
    return (f"{model.model_name}: {type(m).__name__} on {m.device} ({m.dtype}), "
            f"{'vision-language, ' if model.processor is not None else ''}"
            f"{'chat template' if model.use_chat_template else 'plain prompts'}, max_length {model.max_length}, "
            f"batches of up to {model.args.batch_size}")
