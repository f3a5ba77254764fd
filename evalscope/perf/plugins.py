"""Where ``perf`` plugins come from: the project registry (kinds ``perf_api``, ``perf_dataset``) or
a ``module:Class`` / ``path/to/file.py:Class`` reference."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from evalscope.errors import UsageError
from evalscope.registry import registry

_BUILTINS = {"perf_api": "evalscope.perf.apis", "perf_dataset": "evalscope.perf.datasets"}


def load_reference(ref: str) -> Any:
    """The object named by ``module:attr`` or ``file.py:attr``."""
    module_name, sep, attr = ref.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"plugin reference {ref!r} must look like module:Class or path/to/file.py:Class")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"plugin file {path} does not exist")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"cannot import plugin module {module_name!r}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UsageError(f"plugin module {module_name!r} has no attribute {attr!r}") from None


def get_plugin(kind: str, name: str) -> Any:
    """A registered ``kind`` plugin by name, or a ``module:Class`` reference."""
    if ":" in name:
        return load_reference(name)
    importlib.import_module(_BUILTINS[kind])  # registers the built-ins
    from evalscope.registry import RegistryError

    try:
        return registry.get(kind, name)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
