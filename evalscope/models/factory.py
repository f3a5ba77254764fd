"""Build the ModelAPI for a task: ``registry.get("model", task.eval_type)(task)``.

The model types are whatever the registry holds (built-ins, plus what plugins register through
the ``evalscope.plugins`` entry point); ``check_model_type`` is the one check of the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import PluginMissing, RegistryError, registry

if TYPE_CHECKING:
    from evalscope.config import TaskConfig


def check_model_type(task: "TaskConfig") -> str:
    """The canonical name of ``task.eval_type`` (set on the task), or a one-line ``ConfigError``:
    "did you mean" for a typo, what to install for a known plugin's type."""
    try:
        name = registry.canonical("model", task.eval_type or "mock_llm")
    except PluginMissing as exc:
        raise ConfigError(f"eval_type: {exc}") from None
    except RegistryError as exc:
        raise ConfigError(f"eval_type: {exc} (model types come from the registry: `evalscope list models`)") from None
    task.eval_type = name
    return name


def build_model(task: "TaskConfig") -> Any:
    return registry.get("model", check_model_type(task))(task)
