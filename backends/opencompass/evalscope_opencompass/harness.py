"""Run OpenCompass on a native config (the only module of the plugin that imports ``opencompass``).

OpenCompass's ``opencompass`` console script is broken in ms-opencompass 0.1.6 (its ``Namespace`` has
no ``time_str``), so the run goes through ``opencompass.cli.main.run_task(Arguments(config=...))``
with a config file written here: the dataset configs (loaded from the package's
``configs/datasets/<folder>/<stem>.py``, or built from custom files by OpenCompass's own
``make_custom_dataset_config``), the models, and naive partitioners that group the datasets into about
one task per worker (each task is a subprocess with ~10 s of imports: mmlu alone has 57 dataset abbrs).

Before any request every dataset is loaded here by OpenCompass's own loader, from the local data
folder only: a missing file is a ``UsageError`` naming the dataset and the path, never a download
attempt and never a run that "succeeds" with empty results.
"""

from __future__ import annotations

import copy
import difflib
import json
import logging
import math
import os
from pathlib import Path
from typing import Any, Optional

from evalscope.backend.environ import environment
from evalscope.backend.paths import caller_path
from evalscope.errors import UsageError
from evalscope_opencompass.translate import DATA_ENV

logger = logging.getLogger(__name__)

LAYOUT_HINT = ("--dataset-dir (eval_config dataset_dir) must be a folder in OpenCompass's data layout: either the "
               "'data' folder itself (ARC/ARC-c/ARC-Challenge-Dev.jsonl, gsm8k/test.jsonl, mmlu/test/..., "
               "ceval/formal_ceval/{dev,val,test}/...) or the folder that holds it")
# set by users for hub downloads; a local run unsets them so that every loader reads the local folder
HUB_ENV = ("DATASET_SOURCE",)


def configs_root() -> Path:
    import opencompass

    return Path(opencompass.__file__).resolve().parent / "configs" / "datasets"


def find_config(name: str) -> Path:
    """The config file of a dataset name that is not in the table: a config stem in the package."""
    from evalscope_opencompass.datasets import CONFIGS

    hits = sorted(configs_root().rglob(f"{name}.py"))
    if hits:
        return hits[0]
    stems = sorted({p.stem for p in configs_root().rglob("*.py") if not p.stem.startswith("_")})
    close = difflib.get_close_matches(name, [*CONFIGS, *stems], n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(f"OpenCompass: unknown dataset {name!r}.{hint} Known names: {', '.join(sorted(CONFIGS))}; "
                     "or give an OpenCompass dataset config stem (e.g. gsm8k_gen_1d7fe4)")


def named_configs(ref: dict[str, Any], test_range: Any) -> list[dict[str, Any]]:
    """The dataset dicts of one named dataset (a config may hold many: mmlu's 57 subjects)."""
    from mmengine.config import Config

    path = configs_root() / f"{ref['config']}.py" if ref.get("config") else find_config(ref["name"])
    cfg = Config.fromfile(str(path))
    found = [d for key in cfg.keys() if key.endswith("_datasets") for d in cfg[key]]
    if not found:
        raise UsageError(f"OpenCompass: {path} defines no *_datasets")
    out = []
    for dataset in found:
        dataset = plain(dataset.to_dict() if hasattr(dataset, "to_dict") else dict(dataset))
        if test_range is not None:
            dataset["reader_cfg"] = {**dict(dataset.get("reader_cfg") or {}), "test_range": test_range}
        out.append(dataset)
    logger.info("OpenCompass: %s -> %s (%d dataset config(s))", ref["name"], path.name, len(out))
    return out


def plain(value: Any) -> Any:
    """Config data with every class or function (``type``, postprocessors) as its dotted name, so that
    the config can be written as a file (OpenCompass's registries resolve the names back)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, type) or callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    return value


def custom_config(ref: dict[str, Any]) -> dict[str, Any]:
    from opencompass.datasets.custom import make_custom_dataset_config

    path = ref["custom"]["path"]
    if not Path(path).is_file():
        raise UsageError(f"OpenCompass: custom dataset {ref['name']!r}: no file {path}")
    try:
        return make_custom_dataset_config(copy.deepcopy(ref["custom"]))
    except (ValueError, KeyError, StopIteration, json.JSONDecodeError) as exc:
        raise UsageError(f"OpenCompass: custom dataset {ref['name']!r} ({path}) is not in OpenCompass's custom "
                         f"format (QA: question, answer; MCQ: question, A, B, ..., answer): "
                         f"{type(exc).__name__}: {exc}") from exc


def local_path(data_path: str, cache: str) -> str:
    """Where OpenCompass's ``get_data_path`` looks for ``data_path`` locally (no download)."""
    from opencompass.utils.datasets_info import DATASETS_MAPPING

    if data_path.startswith("/"):
        return data_path
    if data_path in DATASETS_MAPPING:
        data_path = DATASETS_MAPPING[data_path]["local"]
    return os.path.normpath(os.path.join(cache, data_path))


def preflight(name: str, datasets: list[dict[str, Any]], cache: str) -> dict[str, int]:
    """Load each dataset with OpenCompass's loader from local files; ``{abbr: test samples}``."""
    from opencompass.utils import dataset_abbr_from_cfg
    from opencompass.utils.build import build_dataset_from_cfg

    counts = {}
    for dataset in datasets:
        abbr = dataset_abbr_from_cfg(dataset)
        data_path = dataset.get("path")
        if isinstance(data_path, str):
            where = local_path(data_path, cache)
            if not os.path.exists(where):
                raise UsageError(f"OpenCompass: dataset {name} ({abbr}): missing {where}; {LAYOUT_HINT}")
        try:
            loaded = build_dataset_from_cfg(copy.deepcopy(dataset))
            counts[abbr] = len(loaded.test)
        except FileNotFoundError as exc:
            missing = os.path.normpath(exc.filename) if exc.filename else exc
            raise UsageError(f"OpenCompass: dataset {name} ({abbr}): missing {missing}; "
                             f"{LAYOUT_HINT}") from exc
        except Exception as exc:  # a loader's own error (bad rows, wrong columns)
            raise UsageError(f"OpenCompass: dataset {name} ({abbr}) cannot be loaded from {cache}: "
                             f"{type(exc).__name__}: {exc}") from exc
    return counts


def data_cache(data_dir: Optional[str], scratch: Path) -> str:
    """``COMPASS_DATA_CACHE``: the folder holding ``data/`` (a bare data folder gets a ``data`` link)."""
    if not data_dir:
        raise UsageError(f"OpenCompass: no data folder; give --dataset-dir (eval_config dataset_dir). {LAYOUT_HINT}")
    root = caller_path(data_dir)  # relative to where the user ran evalscope, also in an isolated job
    if not root.is_dir():
        raise UsageError(f"OpenCompass: dataset_dir {root} is not a folder. {LAYOUT_HINT}")
    if (root / "data").is_dir():
        return str(root)
    linked = scratch / "data_cache"
    linked.mkdir(parents=True, exist_ok=True)
    link = linked / "data"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(root.resolve(), target_is_directory=True)
    return str(linked)


def build_config(native: dict[str, Any], cache: str) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """OpenCompass's config dict and, per requested dataset, ``{abbr: test samples}``."""
    from opencompass.partitioners import NaivePartitioner
    from opencompass.runners import LocalRunner
    from opencompass.tasks import OpenICLEvalTask, OpenICLInferTask
    from opencompass.utils.run import get_config_type

    datasets, plan = [], {}
    for ref in native["datasets"]:
        configs = [custom_config(ref)] if "custom" in ref else named_configs(ref, native["limit"])
        plan[ref["name"]] = preflight(ref["name"], configs, cache)
        datasets += configs
    workers = native["max_num_workers"]
    # one subprocess per task, ~10 s of imports each: group the datasets into about one task per worker
    per_task = max(1, math.ceil(len(datasets) / workers))

    def stage(task: type) -> dict[str, Any]:
        return {"partitioner": {"type": get_config_type(NaivePartitioner), "n": per_task},
                "runner": {"type": get_config_type(LocalRunner), "max_num_workers": workers,
                           "debug": native["debug"], "task": {"type": get_config_type(task)}}}

    config = {"models": copy.deepcopy(native["models"]), "datasets": datasets,
              "infer": stage(OpenICLInferTask), "eval": stage(OpenICLEvalTask)}
    return config, plan


def run(native: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Run OpenCompass; the plan (per requested dataset, its abbrs and their sample counts)."""
    from mmengine.config import Config
    from opencompass.cli.arguments import Arguments
    from opencompass.cli.main import run_task

    work_dir, scratch = Path(native["work_dir"]), Path(native["scratch_dir"])
    work_dir.mkdir(parents=True, exist_ok=True)  # only OpenCompass's <time>/ folders: --reuse takes the last
    cache = data_cache(native.get("data_dir"), scratch)
    dropped = [k for k in HUB_ENV if os.environ.get(k)]
    if dropped:
        logger.info("OpenCompass: %s unset for this run (data comes from %s)", ", ".join(dropped), cache)
    with environment({**native["env"], DATA_ENV: cache}, remove=HUB_ENV):
        config, plan = build_config(native, cache)
        config_file = scratch / f"opencompass_config_{native['time_str']}.py"
        Config(config, format_python_code=False).dump(str(config_file))
        (scratch / "plan.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
        args = Arguments(config=str(config_file), work_dir=str(work_dir), time_str=native["time_str"],
                         reuse="latest" if native["reuse"] else None, debug=native["debug"],
                         max_num_workers=native["max_num_workers"], dump_eval_details=True, mode="all")
        logger.info("OpenCompass: run_task on %s (work dir %s)", ", ".join(plan), work_dir)
        run_task(args)
    return plan
