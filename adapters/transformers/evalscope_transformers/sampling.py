"""Generation settings mapped onto ``generate`` keyword arguments, and stop strings cut as a server would.

Pure functions over plain data (no torch), tested with canned values.

- ``max_tokens`` -> ``max_new_tokens`` (unset: the checkpoint's ``max_new_tokens``, else 2048), shortened
  to fit ``max_length``;
- ``temperature`` 0 -> greedy (``do_sample=False``); > 0 -> sampling at that temperature; unset -> the
  checkpoint's own generation config decides, as a server's default would;
- ``top_p``/``top_k`` passed as they are (``top_k`` <= 0 means no top-k filter, as in vLLM);
- ``seed``: a sampled request with a seed runs alone in its ``generate`` call, after ``torch.manual_seed``,
  so its answer depends on the seed only (not on the requests batched beside it);
- ``n``: ``num_return_sequences`` when sampling; a greedy request with ``n`` > 1 gets n copies of its answer;
- ``stop``: ``stop_strings`` end the row's generation; the answer is cut before the first stop string
  (the stop string is not returned) and its ``finish_reason`` is ``stop``;
- ``presence_penalty``/``frequency_penalty`` have no transformers equivalent: the request is refused;
- ``extra_body``: ``chat_template_kwargs`` go to the chat template, other keys to ``generate``
  (e.g. ``repetition_penalty``, ``min_p``).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from evalscope.api import ModelError

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig

DEFAULT_MAX_NEW_TOKENS = 2048
_alone = itertools.count()


@dataclass(frozen=True)
class Params:
    """What one request asks of ``generate``; requests with equal ``batch_key`` share a call."""

    max_new_tokens: int
    do_sample: Optional[bool] = None
    temperature: Optional[float] = None
    top_p: Optional[float] = None
    top_k: Optional[int] = None
    seed: Optional[int] = None
    n: int = 1
    stop: tuple[str, ...] = ()
    extra: str = "{}"
    """``extra_body`` generate kwargs as canonical JSON (hashable)."""
    template_kwargs: str = "{}"
    """``chat_template_kwargs`` as canonical JSON."""
    alone: int = field(default=-1, compare=False)
    """A unique number for a request that must run in a call of its own (seeded sampling), else -1."""

    @property
    def greedy(self) -> bool:
        return self.do_sample is False

    def batch_key(self) -> tuple[Any, ...]:
        return (self.max_new_tokens, self.do_sample, self.temperature, self.top_p, self.top_k, self.seed,
                self.n, self.stop, self.extra, self.alone)

    def generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``model.generate`` (without inputs and tokenizer)."""
        kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens}
        if self.do_sample is not None:
            kwargs["do_sample"] = self.do_sample
        if self.do_sample is False:  # plain greedy: the checkpoint's sampling defaults must not apply
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if self.temperature is not None and self.do_sample:
            kwargs["temperature"] = self.temperature
        if self.top_p is not None and not self.greedy:
            kwargs["top_p"] = self.top_p
        if self.top_k is not None and not self.greedy:
            kwargs["top_k"] = max(self.top_k, 0)
        if self.n > 1 and not self.greedy:
            kwargs["num_return_sequences"] = self.n
        if self.stop:
            kwargs["stop_strings"] = list(self.stop)
        kwargs.update(json.loads(self.extra))
        return kwargs


def to_params(config: "GenerationConfig", default_max_new_tokens: Optional[int]) -> Params:
    """``config`` as ``Params``; a setting transformers cannot honour is a ``ModelError``."""
    for name in ("presence_penalty", "frequency_penalty"):
        if getattr(config, name) is not None:
            raise ModelError(f"{name} has no transformers equivalent (llm_ckpt); leave it unset or use "
                             "extra_body.repetition_penalty")
    extra = dict(config.extra_body)
    template_kwargs = extra.pop("chat_template_kwargs", None) or {}
    if not isinstance(template_kwargs, dict):
        raise ModelError("extra_body.chat_template_kwargs must be a mapping")
    temperature = config.temperature
    do_sample = None if temperature is None else temperature > 0
    stop = (config.stop,) if isinstance(config.stop, str) else tuple(config.stop or ())
    seed = config.seed if do_sample is not False else None
    return Params(
        max_new_tokens=config.max_tokens or default_max_new_tokens or DEFAULT_MAX_NEW_TOKENS,
        do_sample=do_sample,
        temperature=temperature if do_sample else None,
        top_p=config.top_p,
        top_k=config.top_k,
        seed=seed,
        n=config.n or 1,
        stop=tuple(s for s in stop if s),
        extra=json.dumps(extra, sort_keys=True),
        template_kwargs=json.dumps(template_kwargs, sort_keys=True),
        alone=next(_alone) if seed is not None else -1,
    )


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """``text`` up to (without) the earliest stop string, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stop) if i >= 0]
    if not hits:
        return text, False
    return text[: min(hits)], True


def completion_length(tokens: list[int], eos_ids: set[int], pad_id: Optional[int]) -> tuple[int, bool]:
    """Tokens generated in one row of ``generate``'s output (the prompt removed): up to and including the
    first end-of-sequence token, else up to the padding that fills a finished row; and whether an
    end-of-sequence token ended it."""
    for i, token in enumerate(tokens):
        if token in eos_ids:
            return i + 1, True
    if pad_id is not None and pad_id in tokens:
        return tokens.index(pad_id), False
    return len(tokens), False


def finish_reason(generated: int, max_new_tokens: int, ended_by_eos: bool, stopped: bool) -> str:
    """``stop`` (end of sequence or a stop string), else ``length`` when the budget ran out."""
    if ended_by_eos or stopped:
        return "stop"
    return "length" if generated >= max_new_tokens else "stop"
