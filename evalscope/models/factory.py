"""Build the ModelAPI for a task: ``registry.get("model", task.eval_type)(task)``.

The model types are whatever the registry holds (built-ins, plus what plugins register through
the ``evalscope.plugins`` entry point); ``check_model_type`` is the one check of the name.

A factory is called with the task, and with ``run_dir=`` (the ``RunDir`` of the run in progress, or
``None`` outside a run) when its signature has a ``run_dir`` parameter (or ``**kwargs``): a model that
writes files of its own (a server's log in ``logs/``) declares ``def factory(task, run_dir=None)``;
factories that take only the task keep working as they are.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope.registry import PluginMissing, RegistryError, registry

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.run_dir import RunDir


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


def takes_run_dir(factory: Any) -> bool:
    """Whether ``factory`` accepts the ``run_dir`` keyword."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: the old contract
        return False
    return any(p.name == "run_dir" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def build_model(task: "TaskConfig", run_dir: Optional["RunDir"] = None) -> Any:
    factory = registry.get("model", check_model_type(task))
    if takes_run_dir(factory):
        return factory(task, run_dir=run_dir)
    return factory(task)
