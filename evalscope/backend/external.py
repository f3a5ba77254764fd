"""Run an ``ExternalBackend`` (a harness plugin) in-process or in its own virtual environment.

A plugin is described to the core by an ``ExternalSpec`` (registered under ``backend:<name>``,
importing nothing heavy). ``ExternalRunner.run`` picks how to run it:

- ``runner`` in the ``eval_config`` (``auto`` | ``inprocess`` | ``isolated``), else the
  ``EVALSCOPE_BACKEND_RUNNER`` environment variable, else ``auto``;
- ``auto``: in-process when the plugin's module imports here; else the isolated environment
  when ``evalscope backend install <env>`` created it; else a ``UsageError`` saying how to install.

``runner`` and ``timeout`` (seconds, isolated runs only; ``EVALSCOPE_BACKEND_TIMEOUT``) are the
core's keys of ``eval_config``: they are removed before the plugin sees its config.
Both ways end in ``execute``: translate -> native config file (masked by ``evalscope.secrets``) -> run the
harness -> reports (an empty result is a failure, never a silent success) -> ``write_report``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Optional

from evalscope.backend.base import Backend
from evalscope.errors import ConfigError, RunFailed, UsageError

if TYPE_CHECKING:
    from evalscope.backend.base import ExternalBackend, RunContext
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)

RunnerKind = Literal["auto", "inprocess", "isolated"]
RUNNER_ENV = "EVALSCOPE_BACKEND_RUNNER"
TIMEOUT_ENV = "EVALSCOPE_BACKEND_TIMEOUT"
CORE_KEYS = ("runner", "timeout")
DEFAULT_TIMEOUT = 6 * 3600.0


@dataclass(frozen=True)
class ExternalSpec:
    """What the core knows about a plugin without importing it."""

    name: str
    """Backend name (``eval_backend``), e.g. ``RAGEval``."""
    env: str
    """Name of its isolated environment and of ``evalscope backend install <env>``."""
    distribution: str
    """The plugin's distribution name (``pip install``)."""
    entry: str
    """``module:Class`` of its ``ExternalBackend`` implementation."""
    source: str
    """The plugin's folder, relative to the repository root (``backends/rag``)."""
    pins: tuple[str, ...] = ()
    """Requirements installed first and kept (``torch==2.13.0``: the CPU build)."""
    description: str = ""
    config_required: bool = True
    """False when the unified flags alone (``--model``, ``--datasets``, ...) make a complete task."""

    @property
    def module(self) -> str:
        return self.entry.partition(":")[0]

    def importable(self) -> bool:
        """True when the plugin's module can be imported in this environment (without importing it)."""
        top = self.module.split(".")[0]
        try:
            return importlib.util.find_spec(top) is not None and importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False

    def load(self) -> "ExternalBackend":
        module_name, _, attr = self.entry.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)()


@dataclass
class RunOptions:
    """The core's own keys of an external backend's ``eval_config``."""

    runner: RunnerKind = "auto"
    timeout: float = DEFAULT_TIMEOUT
    config: dict[str, Any] = field(default_factory=dict)
    """The rest: the plugin's config."""


def split_options(eval_config: Any, backend: str, required: bool = True) -> RunOptions:
    """Separate ``runner``/``timeout`` from the plugin's part of ``eval_config``."""
    if eval_config is None and not required:
        eval_config = {}
    if eval_config is None:
        raise ConfigError(f"eval_backend {backend!r} needs an eval_config (a dict or a YAML/JSON file)")
    if not isinstance(eval_config, dict):
        raise ConfigError(f"eval_config of {backend!r} must be a mapping, not {type(eval_config).__name__}")
    config = {k: v for k, v in eval_config.items() if k not in CORE_KEYS}
    runner = eval_config.get("runner") or os.environ.get(RUNNER_ENV) or "auto"
    if runner not in ("auto", "inprocess", "isolated"):
        raise ConfigError(f"invalid eval_config 'runner': {runner!r}; use auto, inprocess or isolated")
    raw_timeout = eval_config.get("timeout") or os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT
    try:
        timeout = float(raw_timeout)
    except (TypeError, ValueError):
        raise ConfigError(f"invalid eval_config 'timeout': {raw_timeout!r}; give seconds") from None
    if timeout <= 0:
        raise ConfigError(f"invalid eval_config 'timeout': {timeout}; must be > 0 seconds")
    return RunOptions(runner=runner, timeout=timeout, config=config)


def choose_runner(spec: ExternalSpec, requested: RunnerKind) -> Literal["inprocess", "isolated"]:
    from evalscope.backend import envs

    if requested == "inprocess":
        if not spec.importable():
            raise UsageError(
                f"runner 'inprocess' for {spec.name}: {spec.module} is not importable here; "
                f"pip install ./{spec.source} (or use runner 'isolated' after `evalscope backend install {spec.env}`)"
            )
        return "inprocess"
    if requested == "isolated":
        if not envs.is_installed(spec.env):
            raise UsageError(
                f"runner 'isolated' for {spec.name}: no environment at {envs.env_dir(spec.env)}; "
                f"create it with `evalscope backend install {spec.env}`"
            )
        return "isolated"
    if spec.importable():
        return "inprocess"
    if envs.is_installed(spec.env):
        return "isolated"
    raise UsageError(
        f"the {spec.name} backend is not installed: run `evalscope backend install {spec.env}` "
        f"(an isolated environment under {envs.backends_dir()}), or pip install ./{spec.source} into "
        "this environment"
    )


def execute(plugin: "ExternalBackend", task: "TaskConfig", run_dir: "RunDir", backend: str) -> list["Report"]:
    """translate -> run the harness -> reports, written under ``run_dir.reports``."""
    from evalscope.report.io import write_report
    from evalscope.secrets import mask_config

    work_dir = run_dir.backend_dir(backend)
    work_dir.mkdir(parents=True, exist_ok=True)
    native = plugin.translate(task, run_dir)
    (work_dir / "native_config.json").write_text(
        json.dumps(mask_config(native), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    logger.info("%s: running the harness (work dir %s)", backend, work_dir)
    plugin.run_native(native, work_dir)
    reports = plugin.to_reports(native, work_dir, task.model_id or "model")
    if not reports:
        raise RunFailed(f"{backend}: the harness finished but produced no results (see {work_dir})")
    version = harness_version(plugin)
    reports = [r.model_copy(update={"backend": backend, "backend_version": r.backend_version or version})
               for r in reports]
    for report in reports:
        write_report(run_dir.reports, report)
    return reports


def harness_version(plugin: Any) -> Optional[str]:
    """``<distribution> <version>`` of the plugin's ``harness`` (its harness's distribution name, e.g.
    ``harness = "lm-eval"``), read where the harness runs; ``None`` without the attribute or the package."""
    from importlib.metadata import PackageNotFoundError, version

    dist = getattr(plugin, "harness", None)
    if not dist:
        return None
    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:
        logger.warning("harness distribution %s is not installed here; reports carry no harness version", dist)
        return None


class ExternalRunner(Backend):
    """The ``Backend`` registered for an external harness: picks the runner and runs the job."""

    def __init__(self, spec: ExternalSpec) -> None:
        self.spec = spec

    def validate(self, task: "TaskConfig") -> None:
        """The core's part of ``eval_config`` and the model flags, before a run directory is made."""
        from evalscope.backend.model_spec import model_spec
        from evalscope.models.served import check_args, server_factory

        options = split_options(task.eval_config, self.spec.name, self.spec.config_required)
        server = server_factory(task.eval_type)
        if server is not None:  # a managed server (--eval-type vllm): the harness will get its URL
            check_args(server, str(task.eval_type), task.model_args)
        model_spec(task)
        choose_runner(self.spec, options.runner)  # a missing install fails before the run directory

    def run(self, context: "RunContext") -> list["Report"]:
        """The harness on the task; when its model type is a managed server, the server is started for the
        run, the harness gets an API model at its URL (``evalscope.models.served.serving``), and it is stopped
        after, whatever happens."""
        from evalscope.models.served import serving

        options = split_options(context.task.eval_config, self.spec.name, self.spec.config_required)
        how = choose_runner(self.spec, options.runner)
        with serving(context.task.model_copy(update={"eval_config": options.config}), context.run_dir.logs) as task:
            return self._run(task, how, options, context)

    def _run(self, task: "TaskConfig", how: str, options: RunOptions, context: "RunContext") -> list["Report"]:
        logger.info("%s: running %s", self.spec.name, "in-process" if how == "inprocess" else "isolated")
        context.display.message(f"{self.spec.name}: running {how} ...")
        if how == "inprocess":
            try:
                return execute(self.spec.load(), task, context.run_dir, self.spec.name)
            except (UsageError, RunFailed):
                raise
            except Exception as exc:
                logger.exception("%s harness failed", self.spec.name)
                raise RunFailed(f"{self.spec.name} failed: {type(exc).__name__}: {exc}") from exc
        from evalscope.backend.isolated import run_isolated

        return run_isolated(self.spec, task, context.run_dir, timeout=options.timeout)


class ExternalBackendFactory:
    """Registered under ``backend:<name>``: called with no arguments, gives an ``ExternalRunner``."""

    def __init__(self, spec: ExternalSpec) -> None:
        self.spec = spec

    def __call__(self) -> ExternalRunner:
        return ExternalRunner(self.spec)

    def __repr__(self) -> str:
        return f"ExternalBackendFactory({self.spec.name!r})"


def external_specs() -> list[ExternalSpec]:
    """Every registered external backend's spec."""
    from evalscope.registry import registry

    specs = []
    for name in registry.names("backend"):
        spec: Optional[ExternalSpec] = getattr(registry.get("backend", name), "spec", None)
        if isinstance(spec, ExternalSpec):
            specs.append(spec)
    return specs


def find_spec(name: str) -> ExternalSpec:
    """The spec whose env name or backend name is ``name`` (case-insensitive)."""
    from evalscope.registry import KNOWN_PLUGINS, unknown_name_message

    specs = external_specs()
    for spec in specs:
        if name.lower() in (spec.env.lower(), spec.name.lower()):
            return spec
    if ("backend", name.lower()) in KNOWN_PLUGINS:
        folder = name.lower().replace("-", "_")
        raise UsageError(f"backend {name!r} is a planned plugin that this version of evalscope does not ship yet "
                         f"(no backends/{folder}); installable now: {', '.join(s.env for s in specs)}")
    raise UsageError(unknown_name_message("backend", name, [s.env for s in specs]))


def repo_root() -> Optional[Path]:
    """The source tree the core was installed from (editable installs), if there is one."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").exists() and (root / "backends").is_dir() else None
