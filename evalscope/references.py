"""``module:attr`` and ``path/to/file.py:attr`` references to user code (custom models, perf plugins)."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from evalscope.errors import ConfigError


def is_reference(text: str) -> bool:
    """True for ``module:attr`` / ``file.py:attr`` (a Windows-free heuristic: one colon, both sides set)."""
    module_name, sep, attr = text.rpartition(":")
    return bool(sep and module_name and attr)


def load_reference(ref: str, what: str = "plugin") -> Any:
    """The object named by ``module:attr`` or ``file.py:attr``; a mistake is a ConfigError saying which."""
    module_name, sep, attr = ref.rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"{what} reference {ref!r} must look like module:Class or path/to/file.py:Class")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            path = Path(module_name)
            if not path.is_file():
                raise ConfigError(f"{what} file {path} does not exist")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
            spec.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{what} {ref!r}: cannot import module {module_name!r}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"{what} {ref!r}: module {module_name!r} has no attribute {attr!r}") from None
