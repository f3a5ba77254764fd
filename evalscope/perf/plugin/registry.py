"""EvalScope's ``register_dataset`` decorator, on this project's one registry (kind ``perf_dataset``)."""

from __future__ import annotations

from typing import Callable, Union

from evalscope.errors import UsageError


def register_dataset(name: Union[str, list[str]]) -> Callable[[type], type]:
    """Register an EvalScope-style dataset plugin (a ``DatasetPluginBase`` subclass) under ``name``(s);
    a name already taken (``custom`` included) is replaced, as EvalScope's registry does."""
    from evalscope.perf.plugin.datasets.base import adapt
    from evalscope.registry import registry

    names = [name] if isinstance(name, str) else list(name)
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError("name must be a string or a list of strings")

    def decorator(cls: type) -> type:
        registry.names("perf_dataset")  # the built-ins first, so that this one replaces, not collides
        for n in names:
            registry.register("perf_dataset", n, adapt(cls), replace=True)
        return cls

    return decorator


def register_api(name: Union[str, list[str]]) -> Callable[[type], type]:
    """EvalScope's API plugin contract (``build_request`` / ``parse_responses``) is not supported."""

    def decorator(cls: type) -> type:
        raise UsageError(
            f"register_api({name!r}): EvalScope-style API plugins are not supported; subclass "
            "evalscope.perf.apis.base.ApiPlugin (build_body, and parse_event / parse_response for other formats) "
            "and pass it with --api custom --api-plugin module:Class"
        )

    return decorator
