"""TaskConfig (+ ``eval_config``) -> the native config OpenCompass runs (pure: no ``opencompass`` import).

The unified flags fill what ``eval_config`` leaves out: ``--model``/``--api-url``/``--api-key`` and
``--generation-config`` (temperature, max_tokens) become one ``OpenAIExtra`` model (it works offline
where OpenCompass's plain ``OpenAI`` downloads tiktoken files), ``--datasets`` -> ``datasets``,
``--limit`` -> ``limit``, ``--eval-batch-size`` -> ``batch_size``, ``--dataset-dir`` -> the data folder,
``--use-cache`` -> ``reuse``. The native config holds the keys in memory only; the core writes it masked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope_opencompass.config import OCModel, OpenCompassConfig, parse_config

if TYPE_CHECKING:
    from evalscope.backend.model_spec import APIModelSpec
    from evalscope.config import TaskConfig

NAME = "OpenCompass"
MODEL_CLASS = "OpenAIExtra"


def spec_model(spec: "APIModelSpec", batch_size: int) -> dict[str, Any]:
    """The model entry of the unified flags."""
    gen = spec.generation
    entry: dict[str, Any] = {"path": spec.model, "abbr": spec.name,
                             "openai_api_base": spec.base_url + "/chat/completions", "batch_size": batch_size}
    if spec.api_key is not None:
        entry["key"] = spec.api_key.get_secret_value()
    if gen.temperature is not None:
        entry["temperature"] = gen.temperature
    if gen.max_tokens is not None:
        entry["max_out_len"] = gen.max_tokens
    return entry


def merged_config(task: "TaskConfig", spec: Optional[Any]) -> OpenCompassConfig:
    """``eval_config`` with the unified flags filling what it leaves out."""
    from evalscope.backend.model_spec import APIModelSpec

    raw = dict(task.eval_config or {})
    if not raw.get("models") and isinstance(spec, APIModelSpec):
        raw["models"] = [spec_model(spec, max(1, task.eval_batch_size))]
    if not raw.get("datasets") and task.datasets:
        raw["datasets"] = list(task.datasets)
    if raw.get("limit") is None and task.limit is not None:
        raw["limit"] = task.limit
    if not raw.get("dataset_dir") and task.dataset_dir:
        raw["dataset_dir"] = task.dataset_dir
    if task.use_cache is not None:
        raw["reuse"] = True
    cfg = parse_config(raw)
    if not cfg.datasets:
        raise ConfigError("OpenCompass: no datasets; give eval_config 'datasets' or --datasets (e.g. ARC_c)")
    if not cfg.models:
        raise ConfigError("OpenCompass: no model; give eval_config 'models' or --model with --api-url")
    return cfg


def model_entry(model: OCModel) -> dict[str, Any]:
    """OpenCompass's model dict (its ``type`` a class name the harness resolves)."""
    key = model.key.get_secret_value() if model.key is not None else os.environ.get("OPENAI_API_KEY", "EMPTY")
    entry: dict[str, Any] = {
        "type": MODEL_CLASS, "abbr": model.report_name, "path": model.path, "key": key,
        "openai_api_base": model.openai_api_base, "query_per_second": model.query_per_second,
        "max_out_len": model.max_out_len, "max_seq_len": model.max_seq_len, "batch_size": model.batch_size,
        "retry": model.retry, "is_chat": model.is_chat,
    }
    if model.temperature is not None:
        entry["temperature"] = model.temperature
    if model.meta_template is not None:
        entry["meta_template"] = model.meta_template
    return entry


def translate(task: "TaskConfig", backend_dir: Path) -> dict[str, Any]:
    """The native config: what the harness hands to ``run_task(Arguments(...))``, JSON-serialisable."""
    from evalscope.backend.model_spec import model_spec

    cfg = merged_config(task, model_spec(task))
    data_dir = cfg.dataset_dir or os.environ.get("COMPASS_DATA_CACHE")
    return {
        "datasets": cfg.datasets,
        "models": [model_entry(m) for m in cfg.models],
        "work_dir": str((backend_dir / cfg.work_dir).resolve()),
        "limit": cfg.limit, "reuse": cfg.reuse, "debug": cfg.debug,
        "data_dir": str(Path(os.path.expanduser(data_dir)).resolve()) if data_dir else None,
    }
