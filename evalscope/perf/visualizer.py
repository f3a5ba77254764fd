"""Logging of perf results to wandb or swanlab (``--visualizer``), imported only when asked for.

As in EvalScope, one visualizer run spans one ``evalscope perf`` invocation: project ``perf_benchmark``,
named ``--name`` or ``<model>_<YYYYmmdd_HHMMSS>``, with the masked args as its config; every
(parallel, number) run of the sweep logs the numbers of its summary (EvalScope's keys, ``None`` left out)
as one step. The packages' own settings choose where the data goes (``WANDB_MODE=offline``,
``SWANLAB_MODE=offline|local|disabled``, ``WANDB_DIR``, ``SWANLAB_LOG_DIR``, their login files), so a run
works without a network. Config mistakes (package missing, no API key for online mode) are a
``UsageError`` and never an interactive prompt; any other failure of the visualizer is a warning and
leaves the perf results on disk as they are.
"""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from evalscope.errors import UsageError
from evalscope.secrets import MASK

logger = logging.getLogger(__name__)

PROJECT = "perf_benchmark"


def summary_metrics(summary) -> dict[str, float]:
    """The top-level numbers of a run's summary under EvalScope's keys; ``None`` and non-numbers are left out."""
    return {k: v for k, v in summary.to_json().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def run_name(args) -> str:
    """``--name``, else EvalScope's ``<model basename>_<timestamp>``."""
    model_id = os.path.basename(args.model.rstrip("/")) if args.model else (args.dataset or "unknown")
    return args.name or f"{model_id}_{time.strftime('%Y%m%d_%H%M%S')}"


def secret_values(args) -> list[str]:
    """The values of every secret in ``args`` (API keys, masked headers), to keep out of what is recorded."""
    keys = (args.api_key, args.wandb_api_key, args.swanlab_api_key)
    values = [k.get_secret_value() for k in keys if k is not None]
    values = [v for v in values if v != "local"]  # --swanlab-api-key local: a mode, not a key
    masked = args.masked_dump()["headers"]
    values += [v for k, v in args.headers.items() if masked.get(k) != v]
    return [v for v in values if v]


@contextmanager
def _argv_masked(secrets: list[str]) -> Iterator[None]:
    """``sys.argv`` with the secrets masked while a package reads it (wandb records the command line)."""
    saved = sys.argv[:]
    masked = []
    for arg in saved:
        for secret in secrets:
            arg = arg.replace(secret, MASK)
        masked.append(arg)
    sys.argv[:] = masked
    try:
        yield
    finally:
        sys.argv[:] = saved


def _key(secret) -> Optional[str]:
    return secret.get_secret_value() if secret is not None else None


class _Wandb:
    package = "wandb"

    def __init__(self, module) -> None:
        self.wandb, self.run = module, None

    def start(self, args, name: str, config: dict, out_dir: Path, secret_in_argv: bool) -> None:
        wandb = self.wandb
        key = _key(args.wandb_api_key)
        os.environ.setdefault("WANDB_SILENT", "true")  # as EvalScope; it also skips login banners that query the server
        mode = wandb.setup().settings.mode  # WANDB_MODE, `wandb offline`, settings files
        if key is None and mode not in ("offline", "dryrun", "disabled") and not _wandb_has_credentials(wandb):
            raise UsageError(
                "--visualizer wandb logs online and found no API key: pass --wandb-api-key, set WANDB_API_KEY "
                "or run `wandb login`; or set WANDB_MODE=offline to write the run locally"
            )
        settings = wandb.Settings(api_key=key) if key else None
        kwargs = {} if os.environ.get("WANDB_DIR") else {"dir": str(out_dir)}
        out_dir.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(project=os.environ.get("WANDB_PROJECT") or PROJECT, name=name, config=config,
                              settings=settings, **kwargs)
        logger.info("wandb (%s): %s", mode, self.run.url or self.run.dir)

    def log(self, metrics: dict[str, float]) -> None:
        self.run.log(metrics)

    def finish(self) -> None:
        self.run.finish()


def _wandb_has_credentials(wandb) -> bool:
    """Whether wandb has an API key (env, netrc, settings) without ever prompting for one."""
    if "prompt" in inspect.signature(wandb.login).parameters:
        return bool(wandb.login(prompt=False, verify=False))
    return bool(wandb.api.api_key)  # wandb before login(prompt=False): the only non-prompting check it has


class _Swanlab:
    package = "swanlab"

    def __init__(self, module) -> None:
        self.swanlab = module

    def start(self, args, name: str, config: dict, out_dir: Path, secret_in_argv: bool) -> None:
        swanlab = self.swanlab
        key = _key(args.swanlab_api_key)
        overrides: dict[str, Any] = {"interactive": False}
        if key == "local":  # EvalScope's convention for a local run
            overrides["mode"] = "local"
        elif key:
            overrides["api_key"] = key
        host = getattr(args, "swanlab_host", None) or os.environ.get("SWANLAB_HOST")
        if host:
            overrides["api_host"] = host
        if secret_in_argv:
            # swanlab records the command line from /proc/self/cmdline, which masking sys.argv does not reach
            overrides["probe"] = swanlab.Settings.Probe(runtime=False)
        settings = swanlab.Settings(**overrides)  # on top of SWANLAB_MODE, SWANLAB_LOG_DIR, .netrc, swanlab.yaml
        if settings.mode == "online" and not settings.api_key:
            raise UsageError(
                "--visualizer swanlab logs online and found no API key: pass --swanlab-api-key, set "
                "SWANLAB_API_KEY or run `swanlab login`; or set SWANLAB_MODE=offline (or local) to write the "
                "run locally"
            )
        kwargs = {} if "log_dir" in settings.model_fields_set else {"log_dir": str(out_dir / "swanlog")}
        swanlab.init(project=settings.project.name or PROJECT, name=name, config=config, settings=settings,
                     **kwargs)

    def log(self, metrics: dict[str, float]) -> None:
        self.swanlab.log(metrics)

    def finish(self) -> None:
        self.swanlab.finish()


_TRACKERS = {"wandb": _Wandb, "swanlab": _Swanlab}


@dataclass
class _Session:
    args: Any
    tracker: Any
    """``None`` once the visualizer failed: nothing more is sent for this invocation."""
    secrets: list[str]
    logged: int = 0


_session: Optional[_Session] = None


def start(args, root: Optional[Path] = None) -> None:
    """Start the visualizer run of ``args`` (once); ``root`` is where its files go unless the package is told.

    Call it before the sweep to have config mistakes reported before any load is sent; ``log_run`` starts
    the run itself when it was not called.
    """
    global _session
    if _session is not None and _session.args is args:
        return
    _finish()
    name = args.visualizer
    try:
        module = __import__(name)
    except ImportError as exc:
        broken = "" if exc.name == name else f" (it is there but does not import: {exc})"
        raise UsageError(
            f"--visualizer {name} needs the {name!r} package{broken}: pip install {name} (or 'evalscope[visualizer]')"
        ) from None
    tracker = _TRACKERS[name](module)
    session = _Session(args=args, tracker=tracker, secrets=secret_values(args))
    out_dir = Path(root) if root is not None else Path(args.outputs_dir)
    secret_in_argv = any(secret in arg for arg in sys.argv for secret in session.secrets)
    try:
        with _argv_masked(session.secrets):
            tracker.start(args, run_name(args), args.masked_dump(), out_dir, secret_in_argv)
    except UsageError:
        raise
    except Exception as exc:  # the run goes on without the visualizer
        _failed(session, "could not start a run", exc)
    _session = session
    atexit.unregister(_finish)
    atexit.register(_finish)  # a sweep that stops early still finishes its run


def log_run(args, parallel: int, number: int, summary, root: Optional[Path] = None) -> None:
    """Log one (parallel, number) run's summary as one step; the last run of the sweep finishes the run."""
    start(args, root)
    session = _session
    if session is None or session.tracker is None:
        return
    try:
        with _argv_masked(session.secrets):
            session.tracker.log(summary_metrics(summary))
    except Exception as exc:
        _failed(session, f"could not log parallel={parallel} number={number}", exc)
        return
    session.logged += 1
    if session.logged >= len(args.runs):
        _finish()


def _finish() -> None:
    global _session
    session, _session = _session, None
    if session is None or session.tracker is None:
        return
    try:
        with _argv_masked(session.secrets):
            session.tracker.finish()
    except Exception as exc:
        _failed(session, "could not finish the run", exc)


def _failed(session: _Session, what: str, exc: Exception) -> None:
    name = session.tracker.package
    logger.warning("%s %s, so nothing more goes there for this perf run (its results are on disk): %s: %s",
                   name, what, type(exc).__name__, exc)
    session.tracker = None
