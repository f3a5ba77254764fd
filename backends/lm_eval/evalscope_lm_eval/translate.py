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

from evalscope.backend.paths import caller_path
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
        folder = caller_path(tokenizer)
        if not folder.is_dir():
            raise ConfigError(f"lm-eval: tokenizer {folder} is not a folder (give a local tokenizer folder: "
                              "tokenizer.json / tokenizer_config.json, as save_pretrained writes it)")
        args.update(tokenizer=str(folder), tokenizer_backend="huggingface")
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
    stray = [t for t in cfg.task_overrides if t not in cfg.tasks]
    if stray:
        raise ConfigError(f"lm-eval: task_overrides names task(s) {', '.join(stray)} that are not run "
                          f"(tasks: {', '.join(cfg.tasks)})")
    updates: dict[str, Any] = {"gen_kwargs": {**gen_kwargs(spec.generation), **cfg.gen_kwargs}}
    if cfg.offline is None:
        updates["offline"] = task.dataset_hub == "local"
    # lm-eval's chat model takes messages only; its completions model a raw prompt unless asked
    updates["apply_chat_template"] = cfg.model == CHAT_MODEL or bool(cfg.apply_chat_template)
    return cfg.model_copy(update=updates)


def translate(task: "TaskConfig", backend_dir: Path) -> dict[str, Any]:
    """The native config: ``simple_evaluate``'s arguments plus what the harness sets around it."""
    from evalscope.backend.model_spec import model_spec

    spec = model_spec(task)
    cfg = merged_config(task, spec)
    key = spec.api_key.get_secret_value() if spec.api_key is not None else os.environ.get("OPENAI_API_KEY", "EMPTY")
    include = [str(caller_path(p)) for p in cfg.include_path]
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
        "task_overrides": {t: local_files(keys) for t, keys in cfg.task_overrides.items()},
        "limit": cfg.limit,
        "log_samples": cfg.log_samples,
        "seed": cfg.seed,
        "bootstrap_iters": cfg.bootstrap_iters,
        "output_path": str((backend_dir / cfg.output_path).resolve()),
        "env": {"OPENAI_API_KEY": key, **(OFFLINE_ENV if cfg.offline else {})},
    }


OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def local_files(keys: dict[str, Any]) -> dict[str, Any]:
    """A task override with its ``dataset_kwargs.data_files`` (and a local ``dataset_path`` folder) made
    absolute against the caller's directory: the harness may run elsewhere."""
    out = dict(keys)
    path = out.get("dataset_path")
    if isinstance(path, str) and (path.startswith((".", "/", "~")) or os.sep in path) and \
            caller_path(path).exists():
        out["dataset_path"] = str(caller_path(path))
    kwargs = out.get("dataset_kwargs")
    if isinstance(kwargs, dict) and kwargs.get("data_files") is not None:
        out["dataset_kwargs"] = {**kwargs, "data_files": _absolute(kwargs["data_files"])}
    return out


def _absolute(files: Any) -> Any:
    if isinstance(files, str):
        return files if "://" in files else str(caller_path(files))
    if isinstance(files, list):
        return [_absolute(f) for f in files]
    if isinstance(files, dict):
        return {split: _absolute(f) for split, f in files.items()}
    return files
