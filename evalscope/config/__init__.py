"""The unified task schema and its loading from files, dicts and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Union

from evalscope.config.errors import validate
from evalscope.config.generation import GenerationConfig
from evalscope.config.task import DatasetArgs, TaskConfig, mask_task_data
from evalscope.errors import ConfigError

TaskInput = Union[TaskConfig, dict, str, Path]

__all__ = ["DatasetArgs", "GenerationConfig", "TaskConfig", "TaskInput", "load_task", "load_tasks", "mask_task_data"]


def load_task(source: TaskInput) -> TaskConfig:
    """A validated TaskConfig from a TaskConfig, a dict, or a YAML/JSON file path."""
    if isinstance(source, TaskConfig):
        return source
    if isinstance(source, (str, Path)):
        from evalscope.config.task import read_mapping_file

        try:
            data = read_mapping_file(Path(source), "task config")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return validate(TaskConfig, data, f"task config {source}")
    if isinstance(source, dict):
        return validate(TaskConfig, source)
    raise ConfigError(f"run_task takes a TaskConfig, a dict or a YAML/JSON path, not {type(source).__name__}")


def load_tasks(source: Union[TaskInput, list[TaskInput]]) -> list[TaskConfig]:
    """Like ``load_task``, also accepting a list of tasks."""
    if isinstance(source, (list, tuple)):
        return [load_task(s) for s in source]
    return [load_task(source)]
