"""``model_args`` of ``llm_ckpt`` (EvalScope's keys, plus the batcher's), validated by name.

No torch here: the args are checked before anything heavy is imported.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evalscope.errors import ConfigError
from evalscope.registry import suggest

DTYPES = {
    "auto": "auto", "float32": "float32", "fp32": "float32", "float": "float32",
    "float16": "float16", "fp16": "float16", "half": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
}
"""Accepted spellings of ``precision`` (also with a ``torch.`` prefix, as EvalScope writes them)."""


class CheckpointArgs(BaseModel):
    """How the checkpoint is loaded and batched (``--model-args``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    revision: Optional[str] = None
    """Hub revision (branch, tag or commit) when ``--model`` is a hub id; ignored for a local folder."""
    precision: Optional[str] = None
    """Weights dtype: ``auto`` (the checkpoint's), ``float32``, ``float16``, ``bfloat16`` (``torch.float16``
    as EvalScope spells it works too). Default: ``auto`` on a GPU, ``float32`` on the CPU."""
    torch_dtype: Optional[str] = Field(default=None, exclude=True)
    """Alias of ``precision`` (transformers' old name)."""
    device_map: Optional[Union[str, dict[str, Any]]] = None
    """Where the weights go (``auto``, ``cpu``, ``cuda:0``, or a layer map). Default: ``auto`` when a GPU
    is present, else ``cpu``."""
    trust_remote_code: bool = False
    """Run the checkpoint's own Python code (custom architectures)."""
    max_length: Optional[int] = Field(default=None, gt=0)
    """Most tokens of prompt + answer; the answer is shortened to fit and a longer prompt is the sample's
    error. Default: the tokenizer's ``model_max_length`` or the model's ``max_position_embeddings``."""
    chat_template: Optional[bool] = None
    """Use the tokenizer's chat template (default: when it has one); ``false`` sends plain prompts
    (the message texts joined by blank lines, as for a completions endpoint)."""
    batch_size: int = Field(default=8, ge=1)
    """Most requests in one ``generate`` call (concurrent requests come from ``--eval-batch-size``)."""
    batch_window_ms: float = Field(default=5.0, ge=0)
    """How long the first request of a batch waits for others to join it."""
    attn_implementation: Optional[Literal["eager", "sdpa", "flash_attention_2"]] = None
    """Attention kernel (default: transformers' choice)."""

    @model_validator(mode="after")
    def _dtype(self) -> "CheckpointArgs":
        if self.torch_dtype is not None:
            if self.precision is not None and self.precision != self.torch_dtype:
                raise ValueError("give precision or torch_dtype, not both")
            self.precision = self.torch_dtype
            self.torch_dtype = None
        if self.precision is not None:
            key = self.precision.lower().removeprefix("torch.")
            if key not in DTYPES:
                raise ValueError(f"precision {self.precision!r} is not one of {', '.join(sorted(set(DTYPES.values())))}")
            self.precision = DTYPES[key]
        return self


def parse_args(model_args: dict[str, Any]) -> CheckpointArgs:
    """``model_args`` as ``CheckpointArgs``, or a one-line ``ConfigError`` naming the bad key."""
    known = [k for k in CheckpointArgs.model_fields]
    unknown = [k for k in model_args if k not in known]
    if unknown:
        key = unknown[0]
        close = suggest(key, known)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(f"model_args: unknown key {key!r} for llm_ckpt.{hint} Valid: {', '.join(sorted(known))}")
    try:
        return CheckpointArgs.model_validate(model_args)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["model_args", *(str(p) for p in err["loc"])])
        raise ConfigError(f"{where}: {err['msg']}".replace("Value error, ", "")) from None
