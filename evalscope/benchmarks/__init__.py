"""Native benchmark definitions, one small module (or folder) per benchmark.

Each registers a ``Benchmark`` subclass as ``benchmark:<name>``; ``get_benchmark`` builds one
with the task's ``dataset_args`` for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalscope.errors import ConfigError
from evalscope.registry import RegistryError, registry

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark
    from evalscope.config import TaskConfig


def benchmark_names() -> list[str]:
    return registry.names("benchmark")


def get_benchmark(name: str, task: "TaskConfig") -> "Benchmark":
    try:
        cls = registry.get("benchmark", name)
    except RegistryError as exc:
        raise ConfigError(f"datasets: {exc}") from None
    try:
        benchmark = cls(task.dataset_args_for(name), seed=task.seed)
        _ = benchmark.few_shot_num  # validates the bound
    except ValueError as exc:
        raise ConfigError(f"dataset_args.{name}: {exc}") from None
    try:  # the scorers and aggregators are built once here, so a misspelled metric fails before any request
        benchmark.scorers()
        from evalscope.metrics.aggregators import resolve

        resolve(benchmark.aggregation)
    except ConfigError as exc:
        raise ConfigError(f"dataset_args.{name}.{exc}") from None
    return benchmark
