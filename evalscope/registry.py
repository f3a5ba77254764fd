"""One registry for every kind of plugin, keyed ``kind:name``.

Things register themselves where they are defined, with ``@register("benchmark", "gsm8k")``.
Built-in kinds are discovered lazily: the first lookup of a kind imports the modules of the
package that holds its built-ins (``BUILTIN_PACKAGES``), then the ``evalscope.plugins`` entry
points. An entry point names either a module, whose import registers things, or a callable
marked ``__evalscope_plugin_hook__ = True``, which is called with the registry.

Names are looked up case-insensitively everywhere (``GSM8K`` is ``gsm8k``) and ``canonical``
gives the registered spelling, so outputs always use it; two names differing only in case, or a
key that disagrees with the object's own name (a benchmark's ``meta.name``), are errors at
registration. An unknown name is a ``RegistryError`` that names the closest matches and lists what
exists; a name a known plugin distribution provides (``model:vllm``) is a ``PluginMissing``
saying what to install.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import pkgutil
from types import ModuleType
from typing import Any, Callable, Iterable, Optional, TypeVar

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

# (kind, lower-case name) -> how to get the plugin that provides it, when it is not installed.
KNOWN_PLUGINS: dict[tuple[str, str], str] = {
    ("model", "llm_ckpt"): "the transformers adapter (evalscope-transformers): pip install torch==2.13.0 "
                           "./adapters/transformers, from a checkout of the evalscope repository",
    ("model", "vllm"): "the vLLM adapter (evalscope-vllm): pip install ./adapters/vllm, from a checkout of the "
                       "evalscope repository",
    ("server", "vllm"): "the vLLM adapter (evalscope-vllm): pip install ./adapters/vllm, from a checkout of the "
                        "evalscope repository",
    ("backend", "vlmevalkit"): "the VLMEvalKit backend: evalscope backend install vlmevalkit",
    ("backend", "opencompass"): "the OpenCompass backend: evalscope backend install opencompass",
    ("backend", "lm-eval"): "the lm-eval backend: evalscope backend install lm_eval",
    ("backend", "lm_eval"): "the lm-eval backend: evalscope backend install lm_eval",
    ("backend", "rageval"): "the RAGEval backend: evalscope backend install rag",
}


class RegistryError(KeyError):
    """An unknown ``kind:name``; the message lists close matches and every registered name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class PluginMissing(RegistryError):
    """A name that a known plugin distribution provides, which is not installed here."""


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


def missing_plugin_message(kind: str, name: str) -> Optional[str]:
    """The one-line install hint when ``kind:name`` belongs to a known plugin, else None."""
    how = KNOWN_PLUGINS.get((kind, name.lower()))
    return f"{kind} {name!r} is provided by a plugin that is not installed; install {how}" if how else None


def own_name(obj: Any) -> Optional[str]:
    """The name an object gives itself (a benchmark's ``meta.name``, an external backend's spec name)."""
    for holder in ("meta", "spec"):
        value = getattr(getattr(obj, holder, None), "name", None)
        if isinstance(value, str):
            return value
    return None


class Registry:
    """Maps ``(kind, name)`` to an object (a class, a factory, a spec)."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._loaded_kinds: set[str] = set()
        self._entry_points_loaded = False
        self._loading_plugins = False
        self._broken: dict[str, str] = {}
        """Entry points that failed to load: name -> error (quoted when a lookup then fails)."""

    def register(self, kind: str, name: str, obj: Any = None, *, replace: bool = False) -> Any:
        """Register ``obj`` as ``kind:name``; without ``obj`` returns a decorator.

        Raises ``ValueError`` when the name is taken (in any case) by another object, unless
        ``replace``, or when the object's own name disagrees with ``name``.
        """

        def _add(target: T) -> T:
            if self._loading_plugins and kind not in self._loaded_kinds:
                self._load(kind)  # the built-ins first: a plugin's clash with one is the plugin's error
            own = own_name(target)
            if own is not None and own != name:
                raise ValueError(f"{kind}:{name} is registered under another name than its own ({own!r}); "
                                 f"register it as {kind}:{own} or rename it")
            bucket = self._items.setdefault(kind, {})
            taken = self._find(bucket, name)
            if taken is not None and bucket[taken] is not target and not replace:
                raise ValueError(f"{kind}:{name} is already registered (by {_origin(bucket[taken])}); "
                                 f"{_origin(target)} cannot register it again")
            if taken is not None and taken != name:
                del bucket[taken]
            bucket[name] = target
            return target

        if obj is None:
            return _add
        return _add(obj)

    def canonical(self, kind: str, name: str) -> str:
        """The registered spelling of ``name`` (matched case-insensitively), or a ``RegistryError``."""
        self._load(kind)
        bucket = self._items.get(kind, {})
        found = self._find(bucket, name)
        if found is not None:
            return found
        hint = missing_plugin_message(kind, name)
        if hint:
            raise PluginMissing(hint)
        message = unknown_name_message(kind, name, bucket)
        if self._broken:
            message += "; plugins that failed to load: " + "; ".join(f"{k} ({v})" for k, v in self._broken.items())
        raise RegistryError(message)

    def get(self, kind: str, name: str) -> Any:
        """The object registered as ``kind:name`` (any case), or a ``RegistryError`` with suggestions."""
        key = self.canonical(kind, name)  # loads the kind first: its bucket may not exist before
        return self._items[kind][key]

    def names(self, kind: str) -> list[str]:
        """Every registered name of ``kind``, sorted."""
        self._load(kind)
        return sorted(self._items.get(kind, {}))

    def contains(self, kind: str, name: str) -> bool:
        """Whether ``kind:name`` is registered (matched as ``get`` matches: case-insensitively)."""
        self._load(kind)
        return self._find(self._items.get(kind, {}), name) is not None

    @staticmethod
    def _find(bucket: dict[str, Any], name: str) -> Optional[str]:
        if name in bucket:
            return name
        lowered = name.lower()
        return next((key for key in bucket if key.lower() == lowered), None)

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

        self._loading_plugins = True
        try:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    self.load_plugin(ep.load(), ep.value)
                except Exception as exc:  # a broken plugin must not break the core
                    logger.warning("could not load plugin %s (%s): %s: %s", ep.name, ep.value, type(exc).__name__, exc)
                    self._broken[f"{ep.name} = {ep.value}"] = f"{type(exc).__name__}: {exc}"
        finally:
            self._loading_plugins = False

    def load_plugin(self, loaded: Any, where: str = "") -> None:
        """Apply one loaded entry point: a module registered its things when imported; a hook is called."""
        if isinstance(loaded, ModuleType):
            return
        if callable(loaded) and getattr(loaded, "__evalscope_plugin_hook__", False):
            loaded(self)
            return
        logger.debug("plugin entry point %s is neither a module nor a hook; importing it was all it needed", where)


def _origin(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return f"{module}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


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


def plugin_hook(fn: Callable[[Registry], Any]) -> Callable[[Registry], Any]:
    """Mark ``fn`` as an ``evalscope.plugins`` entry point called with the registry."""
    fn.__evalscope_plugin_hook__ = True  # type: ignore[attr-defined]
    return fn
