"""Where ``perf`` plugins come from: the project registry (kinds ``perf_api``, ``perf_dataset``) or
a ``module:Class`` / ``path/to/file.py:Class`` reference."""

from __future__ import annotations

from typing import Any

from evalscope.errors import UsageError
from evalscope.references import load_reference
from evalscope.registry import RegistryError, registry


def get_plugin(kind: str, name: str) -> Any:
    """A registered ``kind`` plugin by name, or a ``module:Class`` reference."""
    if ":" in name:
        return load_reference(name)
    try:
        return registry.get(kind, name)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
