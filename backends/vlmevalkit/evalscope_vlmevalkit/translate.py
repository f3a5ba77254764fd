"""TaskConfig (+ ``eval_config``) -> the native config the harness runs (pure: no ``vlmeval`` import).

The unified flags fill what ``eval_config`` leaves out: ``--model``/``--api-url``/``--api-key`` and
``--generation-config`` (temperature, max_tokens) become one ``CustomAPIModel`` entry,
``--datasets`` -> ``data``, ``--limit`` -> ``limit``, ``--eval-batch-size`` -> ``nproc``,
``--dataset-dir`` -> ``data_dir``, ``--use-cache`` -> ``reuse``; ``judge_model_args`` ->
the judge. The native config holds the keys in memory only; the core writes it masked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope_vlmevalkit.config import APIModel, LocalModel, VLMEvalConfig, parse_config

if TYPE_CHECKING:
    from evalscope.backend.model_spec import APIModelSpec, LocalModelSpec
    from evalscope.config import TaskConfig

NAME = "VLMEvalKit"


def spec_model(spec: "APIModelSpec") -> dict[str, Any]:
    """The ``CustomAPIModel`` entry of the unified flags."""
    gen = spec.generation
    entry: dict[str, Any] = {"name": "CustomAPIModel", "type": spec.model,
                             "api_base": spec.base_url + "/chat/completions", "model_name": spec.name}
    if spec.api_key is not None:
        entry["key"] = spec.api_key.get_secret_value()
    for field in ("temperature", "max_tokens", "timeout"):
        value = getattr(gen, field, None)
        if value is not None:
            entry[field] = value
    return entry


LOCAL_ENGINES = ("llm_ckpt",)
"""The ``--eval-type`` values VLMEvalKit can take for a local model: it loads the model itself."""


def local_model(spec: "LocalModelSpec") -> dict[str, Any]:
    """The local-form entry of ``--model <path or hub id>``: VLMEvalKit's model key is ``--model-id``,
    else the path's last part (``Qwen/Qwen2-VL-2B-Instruct`` -> ``Qwen2-VL-2B-Instruct``, a key of
    its ``supported_VLM``); ``--model-args`` go to the model's constructor."""
    if spec.engine not in LOCAL_ENGINES:
        raise ConfigError(f"VLMEvalKit: --eval-type {spec.engine} is not supported for a local model: VLMEvalKit "
                          "loads it itself; serve it (e.g. vllm serve) and give --api-url instead")
    key = spec.name if spec.name != spec.path else spec.path.rstrip("/").rsplit("/", 1)[-1]
    return {"name": key, "model_path": spec.path, **spec.engine_args}


def merged_config(task: "TaskConfig", spec: Optional["APIModelSpec | LocalModelSpec"]) -> VLMEvalConfig:
    """``eval_config`` with the unified flags filling what it leaves out."""
    from evalscope.backend.model_spec import APIModelSpec

    raw = dict(task.eval_config or {})
    if not raw.get("model"):
        if isinstance(spec, APIModelSpec):
            raw["model"] = [spec_model(spec)]
        elif spec is not None:
            raw["model"] = [local_model(spec)]
    if not raw.get("data") and task.datasets:
        raw["data"] = list(task.datasets)
    if raw.get("limit") is None and task.limit is not None:
        raw["limit"] = task.limit
    if "nproc" not in raw and task.eval_batch_size > 1:
        raw["nproc"] = task.eval_batch_size
    if not raw.get("data_dir") and task.dataset_dir:
        raw["data_dir"] = task.dataset_dir
    if task.use_cache is not None:
        raw["reuse"] = True
    cfg = parse_config(raw)
    if not cfg.data:
        raise ConfigError("VLMEvalKit: no datasets; give eval_config 'data' or --datasets (e.g. DocVQA_VAL)")
    if not cfg.model:
        raise ConfigError("VLMEvalKit: no model; give eval_config 'model' or --model with --api-url")
    return cfg


def judge_env(task: "TaskConfig", cfg: VLMEvalConfig) -> dict[str, str]:
    """The judge's environment (VLMEvalKit reads ``OPENAI_API_KEY``/``OPENAI_API_BASE``/``LOCAL_LLM``):
    ``judge_model_args`` first, then EvalScope's keys of eval_config, then this process's environment."""
    env: dict[str, str] = {}
    judge = task.judge_model_args
    url = judge.api_url or cfg.OPENAI_API_BASE
    if url:
        from evalscope.backend.model_spec import base_url

        env["OPENAI_API_BASE"] = base_url(str(url)) + "/chat/completions"
    key = judge.api_key or cfg.OPENAI_API_KEY
    if key is not None:
        env["OPENAI_API_KEY"] = key.get_secret_value()
    model = judge.model or cfg.LOCAL_LLM
    if model:
        env["LOCAL_LLM"] = model
    return env


def model_entry(model: "APIModel | LocalModel") -> dict[str, Any]:
    if isinstance(model, APIModel):
        kwargs = model.model_dump(exclude={"name", "type", "key", "model_name"})
        kwargs["model"] = model.type
        kwargs["key"] = model.key.get_secret_value() if model.key is not None else os.environ.get(
            "OPENAI_API_KEY", "EMPTY")
        return {"name": model.report_name, "kind": "api", "class": "CustomAPIModel", "kwargs": kwargs}
    return {"name": model.report_name, "kind": "local", "class": model.name, "kwargs": model.kwargs}


def translate(task: "TaskConfig", backend_dir: Path) -> dict[str, Any]:
    """The native config: what ``harness.run`` needs, JSON-serialisable."""
    from evalscope.backend.model_spec import model_spec

    cfg = merged_config(task, model_spec(task))
    data_dir = cfg.data_dir or os.environ.get("LMUData")
    env = judge_env(task, cfg)
    return {
        "data": cfg.data,
        "models": [model_entry(m) for m in cfg.model],
        "mode": cfg.mode, "limit": cfg.limit, "reuse": cfg.reuse, "nproc": cfg.nproc,
        # offline by default: VLMEvalKit's own default judge is gpt-4o-mini
        "judge": cfg.judge or ("exact_matching" if not env.get("LOCAL_LLM") else None),
        "retry": cfg.retry, "verbose": cfg.verbose, "ignore": cfg.ignore, "nframe": cfg.nframe, "fps": cfg.fps,
        "use_subtitle": cfg.use_subtitle,
        "work_dir": str((backend_dir / cfg.work_dir).resolve()),
        "lmudata": str((backend_dir / "LMUData").resolve()),
        "data_dir": str(Path(os.path.expanduser(data_dir)).resolve()) if data_dir else None,
        "env": env,
    }
