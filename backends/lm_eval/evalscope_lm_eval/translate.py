"""TaskConfig (+ ``eval_config``) -> the native config the harness runs (pure: no ``lm_eval`` import).

The unified flags fill what ``eval_config`` leaves out: ``--model``/``--api-url`` become the
``model_args`` of ``local-chat-completions`` (``base_url`` the full ``.../chat/completions`` URL) or
``local-completions`` (``.../completions``), ``--api-key`` travels as ``OPENAI_API_KEY`` (where lm-eval
reads it), ``--datasets`` -> ``tasks``, ``--limit`` -> ``limit``, ``--eval-batch-size`` -> ``num_concurrent``,
``--generation-config`` -> ``gen_kwargs`` (``max_tokens`` -> ``max_gen_toks``). The native config holds
the key in memory only; the core writes it masked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope_lm_eval.config import CHAT_MODEL, COMPLETIONS_MODEL, LMEvalConfig, parse_config

if TYPE_CHECKING:
    from evalscope.backend.model_spec import APIModelSpec
    from evalscope.config import TaskConfig
    from evalscope.config.generation import GenerationConfig

NAME = "lm-eval"
ENDPOINTS = {CHAT_MODEL: "/chat/completions", COMPLETIONS_MODEL: "/completions"}


def gen_kwargs(generation: "GenerationConfig") -> dict[str, Any]:
    """lm-eval's ``gen_kwargs`` from ``--generation-config`` (only the fields that were set)."""
    out: dict[str, Any] = {}
    if generation.temperature is not None:
        out["temperature"] = generation.temperature
        out["do_sample"] = generation.temperature > 0
    if generation.max_tokens is not None:
        out["max_gen_toks"] = generation.max_tokens
    for field in ("top_p", "top_k", "seed"):
        value = getattr(generation, field)
        if value is not None:
            out[field] = value
    if generation.stop is not None:
        out["until"] = [generation.stop] if isinstance(generation.stop, str) else list(generation.stop)
    return out


def model_args(cfg: LMEvalConfig, spec: "APIModelSpec", concurrency: int) -> dict[str, Any]:
    """The ``model_args`` of lm-eval's API model class for ``spec``."""
    args: dict[str, Any] = {
        "model": spec.model,
        "base_url": spec.base_url + ENDPOINTS[cfg.model],
        "num_concurrent": cfg.num_concurrent or concurrency,
        "max_retries": cfg.max_retries,
    }
    tokenizer = cfg.tokenizer or cfg.model_args.get("tokenizer")
    if tokenizer:
        args.update(tokenizer=str(Path(os.path.expanduser(tokenizer)).resolve()), tokenizer_backend="huggingface")
    else:  # no tokenizer: prompts go as text (enough for generate_until)
        args.update(tokenizer_backend=None, tokenized_requests=False)
    if spec.generation.timeout is not None:
        args["timeout"] = int(spec.generation.timeout)
    args.update({k: v for k, v in cfg.model_args.items() if k != "tokenizer"})
    return args


def merged_config(task: "TaskConfig", spec: Optional[Any]) -> LMEvalConfig:
    """``eval_config`` with the unified flags filling what it leaves out."""
    from evalscope.backend.model_spec import APIModelSpec

    raw = dict(task.eval_config or {})
    if not raw.get("tasks") and task.datasets:
        raw["tasks"] = list(task.datasets)
    if raw.get("limit") is None and task.limit is not None:
        raw["limit"] = task.limit
    cfg = parse_config(raw)
    if not cfg.tasks:
        raise ConfigError("lm-eval: no tasks; give eval_config 'tasks' or --datasets (lm-eval task names)")
    if not isinstance(spec, APIModelSpec):
        raise ConfigError("lm-eval: give the model as --model NAME --api-url URL (an OpenAI-compatible server); "
                          "local checkpoints are not supported by this backend")
    updates: dict[str, Any] = {"gen_kwargs": {**gen_kwargs(spec.generation), **cfg.gen_kwargs}}
    if cfg.model == CHAT_MODEL:
        updates["apply_chat_template"] = True  # lm-eval's chat model takes messages only
    return cfg.model_copy(update=updates)


def translate(task: "TaskConfig", backend_dir: Path) -> dict[str, Any]:
    """The native config: ``simple_evaluate``'s arguments plus what the harness sets around it."""
    from evalscope.backend.model_spec import model_spec

    spec = model_spec(task)
    cfg = merged_config(task, spec)
    key = spec.api_key.get_secret_value() if spec.api_key is not None else os.environ.get("OPENAI_API_KEY", "EMPTY")
    include = [str(Path(os.path.expanduser(p)).resolve()) for p in cfg.include_path]
    for folder in include:
        if not Path(folder).is_dir():
            raise ConfigError(f"lm-eval: include_path {folder} is not a folder")
    return {
        "model": cfg.model,
        "model_args": model_args(cfg, spec, max(1, task.eval_batch_size)),
        "model_name": spec.name,
        "tasks": cfg.tasks,
        "num_fewshot": cfg.num_fewshot,
        "batch_size": cfg.batch_size,
        "gen_kwargs": cfg.gen_kwargs,
        "apply_chat_template": cfg.apply_chat_template,
        "fewshot_as_multiturn": cfg.fewshot_as_multiturn,
        "system_instruction": cfg.system_instruction,
        "include_path": include,
        "limit": cfg.limit,
        "log_samples": cfg.log_samples,
        "seed": cfg.seed,
        "bootstrap_iters": cfg.bootstrap_iters,
        "output_path": str((backend_dir / cfg.output_path).resolve()),
        "env": {"OPENAI_API_KEY": key},
    }
