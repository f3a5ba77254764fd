"""``custom``: a user's model class given as ``module:Class``, an entry point, or an object.

The class implements the ModelAPI protocol (``async generate(messages, config)``; a plain
``def generate`` is run in a worker thread). It is built with ``Class(**model_args)``; when it
has no ``model_name``, the task's ``model_id`` is used.
"""

from __future__ import annotations

import asyncio
import inspect
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from evalscope.api import ChatMessage, ModelOutput
from evalscope.errors import ConfigError
from evalscope.references import is_reference, load_reference
from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig, TaskConfig

ENTRY_POINT_GROUP = "evalscope.models"


def resolve_class(spec: str) -> Any:
    """``module:Class``, ``path/to/file.py:Class``, or the name of an ``evalscope.models`` entry point."""
    if is_reference(spec):
        return load_reference(spec, "custom model")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == spec:
            return ep.load()
    raise ConfigError(
        f"custom model {spec!r}: give 'module:Class' or the name of an {ENTRY_POINT_GROUP!r} entry point"
    )


class _SyncAdapter:
    """Wraps an object whose ``generate`` is synchronous."""

    def __init__(self, inner: Any, model_name: str) -> None:
        self.inner = inner
        self.model_name = model_name

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        result = await asyncio.to_thread(self.inner.generate, messages, config)
        return coerce_output(result)


def coerce_output(result: Any) -> ModelOutput:
    if isinstance(result, ModelOutput):
        return result
    if isinstance(result, str):
        return ModelOutput(content=result, choices=[result])
    if isinstance(result, dict):
        return ModelOutput.model_validate(result)
    raise TypeError(f"custom model returned {type(result).__name__}; return a ModelOutput, a dict or a str")


class _AsyncAdapter(_SyncAdapter):
    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        return coerce_output(await self.inner.generate(messages, config))


def wrap(obj: Any, model_name: str) -> Any:
    if not hasattr(obj, "generate"):
        raise ConfigError(f"custom model {type(obj).__name__} has no generate(messages, config) method")
    name = getattr(obj, "model_name", None) or model_name
    if inspect.iscoroutinefunction(obj.generate):
        return _AsyncAdapter(obj, name)
    return _SyncAdapter(obj, name)


@register("model", "custom")
def _custom_factory(task: "TaskConfig") -> Any:
    model = task.model
    if isinstance(model, str):
        cls = resolve_class(model)
        if callable(cls):
            try:
                model = cls(**task.model_args)
            except TypeError as exc:  # model_args the class does not take
                raise ConfigError(f"custom model {model!r} cannot be built with model_args "
                                  f"{sorted(task.model_args)}: {exc}") from None
        else:
            model = cls
    return wrap(model, task.model_id or "custom-model")
