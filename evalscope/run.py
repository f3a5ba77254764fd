"""``run_task``: parse once -> pick the backend -> run -> reports.

``run_task`` takes a TaskConfig, a dict, a path to a YAML/JSON file, or a list of those, and
returns ``{dataset_name: Report}`` (a list of such dicts for a list of tasks).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from evalscope.config import TaskConfig, TaskInput, load_tasks
from evalscope.errors import ConfigError
from evalscope.logfile import log_to_file
from evalscope.registry import RegistryError, registry
from evalscope.run_dir import RunDir, timestamp

if TYPE_CHECKING:
    from evalscope.display import Display
    from evalscope.report import Report

logger = logging.getLogger(__name__)


def run_task(task_cfg: Union[TaskInput, list[TaskInput]], display: Optional["Display"] = None) -> Any:
    """Run one task (or several, in turn); returns the reports keyed by dataset name."""
    tasks = load_tasks(task_cfg)
    results = [run_one(task, display) for task in tasks]
    return results if isinstance(task_cfg, (list, tuple)) else results[0]


def run_one(task: TaskConfig, display: Optional["Display"] = None) -> dict[str, "Report"]:
    from evalscope.backend.base import RunContext
    from evalscope.display import NullDisplay

    backend = _backend(task)
    run_dir = _run_dir(task)
    run_dir.create()
    with log_to_file(run_dir.log_file, task.debug):
        write_task_config(task, run_dir)
        logger.info("run directory: %s", run_dir.root)
        context = RunContext(task=task, run_dir=run_dir, display=display or NullDisplay())
        reports = backend.run(context)
        (display or NullDisplay()).results(reports)
        return {r.dataset_name: r for r in reports}


def _backend(task: TaskConfig) -> Any:
    """The task's backend, which has validated the task (before any run directory exists)."""
    try:
        task.eval_backend = registry.canonical("backend", task.eval_backend)
    except RegistryError as exc:
        raise ConfigError(f"eval_backend: {exc}") from None
    backend = registry.get("backend", task.eval_backend)()
    validate = getattr(backend, "validate", None)
    if validate is not None:
        validate(task)
    return backend


def _run_dir(task: TaskConfig) -> RunDir:
    if task.use_cache:
        root = Path(task.use_cache).expanduser()
        if not root.is_dir():
            raise ConfigError(f"use_cache: {str(root)!r} is not a run directory")
        check_resumable(task, RunDir(root))
        return RunDir(root)
    base = Path(task.work_dir).expanduser()
    if task.no_timestamp:
        if any((base / "predictions").rglob("*.jsonl")):
            raise ConfigError(
                f"work_dir {str(base)!r} already holds a run (no_timestamp is set); resume it with "
                f"--use-cache {base}, or choose another work_dir"
            )
        return RunDir(base)
    root = base / timestamp()
    suffix = 1
    while root.exists():  # two runs started in the same second get their own directories
        root = base / f"{timestamp()}_{suffix}"
        suffix += 1
    return RunDir(root)


def _identity(data: dict[str, Any], what: str) -> dict[str, Any]:
    """What a cached run must share with this task for its answers to be reused."""
    from evalscope.config import DatasetArgs, GenerationConfig
    from evalscope.config.errors import validate

    generation = validate(GenerationConfig, data.get("generation_config") or {}, f"{what} generation_config")
    return {
        "model_id": data.get("model_id"),
        "model": data.get("model"),
        "eval_type": data.get("eval_type"),
        "generation_config": generation.identity(),
        "dataset_args": {
            name: validate(DatasetArgs, a or {}, f"{what} dataset_args.{name}").identity()
            for name, a in (data.get("dataset_args") or {}).items()
        },
    }


def check_resumable(task: TaskConfig, run_dir: RunDir) -> None:
    """Refuse to resume a run made with a different model, generation or benchmark config."""
    if not run_dir.task_config.exists():
        return
    import yaml

    cached = yaml.safe_load(run_dir.task_config.read_text(encoding="utf-8")) or {}
    old, new = _identity(cached, f"cached {run_dir.task_config}"), _identity(task.to_safe_dict(), "task")
    diffs = []
    for key in ("model_id", "model", "eval_type", "generation_config"):
        if old[key] != new[key]:
            diffs.append(f"{key}: cached {old[key]!r}, now {new[key]!r}")
    for name in set(old["dataset_args"]) | set(new["dataset_args"]):
        if name in task.datasets and old["dataset_args"].get(name, {}) != new["dataset_args"].get(name, {}):
            diffs.append(f"dataset_args.{name}: cached {old['dataset_args'].get(name, {})!r}, "
                         f"now {new['dataset_args'].get(name, {})!r}")
    if diffs:
        raise ConfigError(
            f"use_cache: the run in {run_dir.root} was made with a different config, and mixing its results "
            "with this task's would be wrong:\n  " + "\n  ".join(diffs)
            + "\nResume with the same settings, or start a new run without --use-cache."
        )


def write_task_config(task: TaskConfig, run_dir: RunDir) -> Path:
    """``configs/task_config.yaml``: the task with secrets masked; ``run_task`` can read it back."""
    import yaml

    data = task.to_safe_dict()
    data.pop("api_key", None)  # masked keys are not valid keys; the user passes the key again
    run_dir.configs.mkdir(parents=True, exist_ok=True)
    run_dir.task_config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return run_dir.task_config

