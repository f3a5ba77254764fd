"""Build the ModelAPI for a task: ``registry.get("model", task.eval_type)(task)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import RegistryError, registry

if TYPE_CHECKING:
    from evalscope.config import TaskConfig


def build_model(task: "TaskConfig") -> Any:
    try:
        factory = registry.get("model", task.eval_type or "mock_llm")
    except RegistryError as exc:
        raise ConfigError(f"eval_type: {exc}") from None
    return factory(task)
