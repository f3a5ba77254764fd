"""Native benchmark definitions, one small module (or folder) per benchmark.

Each registers a ``Benchmark`` subclass as ``benchmark:<name>``; ``get_benchmark`` builds one
with the task's ``dataset_args`` for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import RegistryError, registry

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark
    from evalscope.config import TaskConfig

logger = logging.getLogger(__name__)


def benchmark_names() -> list[str]:
    return registry.names("benchmark")


def canonical_benchmark(name: str, what: str = "datasets") -> str:
    """The registered spelling of a benchmark name (``GSM8K`` -> ``gsm8k``), or a ``ConfigError``."""
    try:
        return registry.canonical("benchmark", name)
    except RegistryError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def canonicalize_names(task: "TaskConfig") -> None:
    """Rewrite ``task.datasets`` and the keys of ``task.dataset_args`` to the registered names,
    so that lookups and outputs agree; an unknown name is a ``ConfigError`` with "did you mean"."""
    datasets: list[str] = []
    for name in task.datasets:
        canonical = canonical_benchmark(name)
        if canonical in datasets:
            logger.warning("datasets: %r is given twice; it runs once", canonical)
            continue
        datasets.append(canonical)
    args: dict[str, Any] = {}
    for name, value in task.dataset_args.items():
        canonical = canonical_benchmark(name, "dataset_args")
        if canonical in args:
            raise ConfigError(f"dataset_args: two entries name the benchmark {canonical!r}; keep one")
        args[canonical] = value
        if canonical not in datasets:
            logger.warning("dataset_args has settings for %r, which is not in datasets; they are unused", name)
    task.datasets = datasets
    task.dataset_args = args


def get_benchmark(name: str, task: "TaskConfig") -> "Benchmark":
    name = canonical_benchmark(name)
    cls = registry.get("benchmark", name)
    args = task.dataset_args_for(name)
    if name not in task.dataset_args:  # a task built without canonicalize_names: keys in any case
        args = next((v for k, v in task.dataset_args.items() if k.lower() == name.lower()), args)
    try:
        benchmark = cls(args, seed=task.seed)
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
