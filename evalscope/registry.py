"""One registry for every kind of plugin, keyed ``kind:name``.

Things register themselves where they are defined, with ``@register("benchmark", "gsm8k")``.
Built-in kinds are discovered lazily: the first lookup of a kind imports the modules of the
package that holds its built-ins (``BUILTIN_PACKAGES``), then the ``evalscope.plugins`` entry
points, whose modules register more things when imported. An unknown name is a
``RegistryError`` that names the closest matches and lists what exists.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import pkgutil
from typing import Any, Callable, Iterable, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

ENTRY_POINT_GROUP = "evalscope.plugins"

# kind -> package whose submodules define the built-ins of that kind (imported on first lookup).
BUILTIN_PACKAGES: dict[str, tuple[str, ...]] = {
    "benchmark": ("evalscope.benchmarks",),
    "model": ("evalscope.models",),
    "filter": ("evalscope.filters",),
    "metric": ("evalscope.metrics",),
    "aggregation": ("evalscope.metrics",),
    "backend": ("evalscope.backend.builtin",),
    "perf_api": ("evalscope.perf.apis",),
    "perf_dataset": ("evalscope.perf.datasets",),
}


class RegistryError(KeyError):
    """An unknown ``kind:name``; the message lists close matches and every registered name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


def suggest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``choices`` (case-insensitive), best first."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[h] for h in hits]


def unknown_name_message(what: str, name: str, choices: Iterable[str]) -> str:
    """The one wording of "unknown X" used across the project."""
    choices = sorted(choices)
    close = suggest(name, choices)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listing = ", ".join(choices) if choices else "(none)"
    return f"unknown {what} {name!r}.{hint} Valid: {listing}"


class Registry:
    """Maps ``(kind, name)`` to an object (a class, a factory, a spec)."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._loaded_kinds: set[str] = set()
        self._entry_points_loaded = False

    def register(self, kind: str, name: str, obj: Any = None, *, replace: bool = False) -> Any:
        """Register ``obj`` as ``kind:name``; without ``obj`` returns a decorator."""

        def _add(target: T) -> T:
            bucket = self._items.setdefault(kind, {})
            if name in bucket and bucket[name] is not target and not replace:
                raise ValueError(f"{kind}:{name} is already registered ({bucket[name]!r})")
            bucket[name] = target
            return target

        if obj is None:
            return _add
        return _add(obj)

    def get(self, kind: str, name: str) -> Any:
        """The object registered as ``kind:name``, or a ``RegistryError`` with suggestions."""
        self._load(kind)
        bucket = self._items.get(kind, {})
        if name in bucket:
            return bucket[name]
        # names are matched case-insensitively as a courtesy (EvalScope: "Native" / "native")
        for key, value in bucket.items():
            if key.lower() == name.lower():
                return value
        raise RegistryError(unknown_name_message(kind, name, bucket))

    def names(self, kind: str) -> list[str]:
        """Every registered name of ``kind``, sorted."""
        self._load(kind)
        return sorted(self._items.get(kind, {}))

    def contains(self, kind: str, name: str) -> bool:
        self._load(kind)
        return name in self._items.get(kind, {})

    def _load(self, kind: str) -> None:
        if kind in self._loaded_kinds:
            return
        self._loaded_kinds.add(kind)
        for package in BUILTIN_PACKAGES.get(kind, ()):
            _import_submodules(package)
        self._load_entry_points()

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as exc:  # a broken plugin must not break the core
                logger.warning("could not load plugin %s (%s): %s", ep.name, ep.value, exc)
                continue
            if callable(loaded) and getattr(loaded, "__evalscope_plugin_hook__", False):
                loaded(self)


def _import_submodules(package_name: str) -> None:
    package = importlib.import_module(package_name)
    for info in pkgutil.iter_modules(package.__path__, package_name + "."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        importlib.import_module(info.name)


registry = Registry()


def register(kind: str, name: str) -> Callable[[T], T]:
    """Decorator: ``@register("benchmark", "gsm8k")``."""
    return registry.register(kind, name)
