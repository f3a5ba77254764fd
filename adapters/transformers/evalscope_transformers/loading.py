"""Loading a checkpoint: tokenizer (left padding) and causal LM, placed on the GPU when there is one."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError
from evalscope_transformers.args import CheckpointArgs

logger = logging.getLogger(__name__)


def placement(args: CheckpointArgs, cuda: bool) -> tuple[Any, str]:
    """``(device_map, dtype)`` from the args, defaulting by whether a GPU is present."""
    device_map = args.device_map if args.device_map is not None else ("auto" if cuda else "cpu")
    dtype = args.precision or ("auto" if cuda else "float32")
    return device_map, dtype


def _source(path: str) -> str:
    """A local folder as is; anything else must look like a hub id (``org/name``)."""
    local = Path(os.path.expanduser(path))
    if local.exists():
        if not (local / "config.json").exists():
            raise ConfigError(f"model: {path} is not a transformers checkpoint folder (no config.json in it)")
        return str(local)
    if path.startswith((".", "/", "~")) or path.count("/") > 1:
        raise ConfigError(f"model: checkpoint folder not found: {path}")
    return path


def load_checkpoint(path: str, args: CheckpointArgs) -> tuple[Any, Any, Any]:
    """The tokenizer, the model and (for a vision-language checkpoint) the processor, or a one-line
    ``ConfigError`` saying why not."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

    from evalscope_transformers.vision import is_vision_config

    source = _source(path)
    device_map, dtype = placement(args, torch.cuda.is_available())
    common: dict[str, Any] = {"trust_remote_code": args.trust_remote_code}
    if args.revision and source == path and not Path(source).exists():
        common["revision"] = args.revision
    processor = None
    try:
        vision = is_vision_config(AutoConfig.from_pretrained(source, **common))
        if vision:
            processor = AutoProcessor.from_pretrained(source, **common)
            tokenizer = processor.tokenizer
        else:
            tokenizer = AutoTokenizer.from_pretrained(source, **common)
        extra = {"attn_implementation": args.attn_implementation} if args.attn_implementation else {}
        auto = AutoModelForImageTextToText if vision else AutoModelForCausalLM
        model = auto.from_pretrained(source, dtype=dtype, device_map=device_map, **common, **extra)
    except (OSError, ValueError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"model: cannot load checkpoint {path!r}: {first}") from None
    model.eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token_id is None:
            raise ConfigError(f"model: the tokenizer of {path!r} has neither a pad nor an eos token")
        tokenizer.pad_token = tokenizer.eos_token
    logger.info("loaded %s on %s (%s)", path, getattr(model, "device", device_map), getattr(model, "dtype", dtype))
    return tokenizer, model, processor
