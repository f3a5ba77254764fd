"""TaskConfig (+ ``eval_config``) -> the native config OpenCompass runs (pure: no ``opencompass`` import).

The unified flags fill what ``eval_config`` leaves out: ``--model``/``--api-url``/``--api-key`` and
``--generation-config`` (temperature, max_tokens) become one model (it works offline
where OpenCompass's plain ``OpenAI`` downloads tiktoken files), ``--datasets`` -> ``datasets``,
``--limit N`` -> the first N samples (``'[0:N]'``, as the other backends count), ``--eval-batch-size`` ->
``batch_size``, ``--dataset-dir`` -> the data folder, ``--use-cache`` -> ``reuse``.

The model class is OpenCompass's ``OpenAIExtra`` with bounded retries and a request timeout
(``evalscope_opencompass.oc_model``). The key never enters OpenCompass's config (OpenCompass dumps its config, models included, into its
work dir): every model gets ``key='ENV'`` and the key travels as ``OPENAI_API_KEY`` in the run's
environment (``native["env"]``), which the core writes masked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope_opencompass.config import OCModel, OpenCompassConfig, chat_url, parse_config
from evalscope_opencompass.datasets import custom_ref, dataset_ref

if TYPE_CHECKING:
    from evalscope.backend.model_spec import APIModelSpec
    from evalscope.config import TaskConfig

NAME = "OpenCompass"
# OpenCompass's OpenAIExtra with bounded retries and a request timeout (evalscope_opencompass.oc_model)
MODEL_CLASS = "evalscope_opencompass.oc_model.BoundedOpenAIExtra"
KEY_ENV = "OPENAI_API_KEY"
DATA_ENV = "COMPASS_DATA_CACHE"


def spec_model(spec: "APIModelSpec", batch_size: int) -> dict[str, Any]:
    """The model entry of the unified flags."""
    gen = spec.generation
    try:
        url = chat_url(spec.api_url)
    except ValueError as exc:
        raise ConfigError(f"OpenCompass: --api-url {exc}") from None
    entry: dict[str, Any] = {"path": spec.model, "abbr": spec.name, "openai_api_base": url, "batch_size": batch_size}
    if spec.api_key is not None:
        entry["key"] = spec.api_key.get_secret_value()
    if gen.temperature is not None:
        entry["temperature"] = gen.temperature
    if gen.max_tokens is not None:
        entry["max_out_len"] = gen.max_tokens
    if gen.timeout is not None:
        entry["timeout"] = gen.timeout
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
        # --limit N means the first N samples everywhere; OpenCompass's int would be a random subset
        raw["limit"] = f"[0:{int(task.limit)}]" if float(task.limit) >= 1 else task.limit
    if not raw.get("dataset_dir") and task.dataset_dir:
        raw["dataset_dir"] = task.dataset_dir
    if task.use_cache is not None:
        raw["reuse"] = True
    cfg = parse_config(raw)
    if not cfg.datasets and not cfg.custom_datasets:
        raise ConfigError("OpenCompass: no datasets; give eval_config 'datasets' (or 'custom_datasets') "
                          "or --datasets (e.g. ARC_c)")
    if not cfg.models:
        raise ConfigError("OpenCompass: no model; give eval_config 'models' or --model with --api-url")
    return cfg


def the_key(models: list[OCModel]) -> str:
    """The one key of all models (OpenCompass reads it from ``OPENAI_API_KEY``)."""
    keys = {m.key.get_secret_value() for m in models if m.key is not None}
    if len(keys) > 1:
        raise ConfigError("OpenCompass: the models have different keys; give them one key (OpenCompass reads it "
                          "from OPENAI_API_KEY, so that it is never written into its config files)")
    return keys.pop() if keys else os.environ.get(KEY_ENV, "EMPTY")


def model_entry(model: OCModel) -> dict[str, Any]:
    """OpenCompass's model dict; the key is ``'ENV'`` (``OPENAI_API_KEY``), never the value."""
    entry: dict[str, Any] = {
        "type": MODEL_CLASS, "abbr": model.report_name, "path": model.path, "key": "ENV",
        "openai_api_base": model.openai_api_base, "query_per_second": model.query_per_second,
        "max_out_len": model.max_out_len, "max_seq_len": model.max_seq_len, "batch_size": model.batch_size,
        "retry": model.retry, "timeout": model.timeout, "is_chat": model.is_chat, "run_cfg": {"num_gpus": 0},
    }
    if model.temperature is not None:
        entry["temperature"] = model.temperature
    if model.meta_template is not None:
        entry["meta_template"] = model.meta_template
    return entry


def dataset_entries(cfg: OpenCompassConfig) -> list[dict[str, Any]]:
    out = []
    for name in cfg.datasets:
        try:
            out.append(dataset_ref(name))
        except ValueError as exc:
            raise ConfigError(f"OpenCompass: {exc}") from None
    out += [custom_ref(c, cfg.limit) for c in cfg.custom_datasets]
    names = [d["name"] for d in out]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise ConfigError(f"OpenCompass: dataset(s) {', '.join(doubles)} given twice (custom datasets are named "
                          "after their file; set 'abbr' to tell them apart)")
    return out


def translate(task: "TaskConfig", backend_dir: Path) -> dict[str, Any]:
    """The native config: what the harness turns into ``run_task(Arguments(...))``, JSON-serialisable."""
    from evalscope.backend.model_spec import model_spec

    cfg = merged_config(task, model_spec(task))
    data_dir = cfg.dataset_dir or os.environ.get(DATA_ENV)
    work_dir = (backend_dir / cfg.work_dir).resolve()
    return {
        "datasets": dataset_entries(cfg),
        "models": [model_entry(m) for m in cfg.models],
        "work_dir": str(work_dir),
        "scratch_dir": str(backend_dir.resolve()),
        "run_dir": str(backend_dir.resolve().parents[1]),
        "time_str": time.strftime("%Y%m%d_%H%M%S"),
        "ignore_errors": bool(task.ignore_errors),
        "limit": cfg.limit, "reuse": cfg.reuse, "debug": cfg.debug, "max_num_workers": cfg.max_num_workers,
        "data_dir": str(Path(os.path.expanduser(data_dir)).resolve()) if data_dir else None,
        "env": {KEY_ENV: the_key(cfg.models)},
    }
