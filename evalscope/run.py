"""``run_task``: parse once -> pick the backend -> run -> reports.

``run_task`` takes a TaskConfig, a dict, a path to a YAML/JSON file, or a list of those, and
returns ``{dataset_name: Report}`` (a list of such dicts for a list of tasks).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Union

from evalscope.config import TaskConfig, TaskInput, load_tasks
from evalscope.errors import ConfigError
from evalscope.logfile import log_to_file
from evalscope.registry import RegistryError, registry
from evalscope.run_dir import RunDir, timestamp

if TYPE_CHECKING:
    from evalscope.display import Display
    from evalscope.report import Report

logger = logging.getLogger(__name__)


def run_task(task_cfg: Union[TaskInput, list[TaskInput]], display: Optional["Display"] = None) -> Any:
    """Run one task (or several, in turn); returns the reports keyed by dataset name.

    A list is checked whole before the first task runs, and its results are shown as ONE table (a
    row per report, each saying its backend), so that harnesses scoring the same benchmark compare.
    """
    tasks = load_tasks(task_cfg)
    if not isinstance(task_cfg, (list, tuple)):
        return run_one(tasks[0], display)
    from evalscope.display import NullDisplay

    for task in tasks:  # a mistake (or a backend not installed) in the last task costs nothing
        _backend(task)
        check_task(task)
    shown = display or NullDisplay()
    results = [run_one(task, _TableLater(shown)) for task in tasks]
    shown.results([report for result in results for report in result.values()])
    return results


class _TableLater:
    """A display that passes everything on but the results table (shown once for a list of tasks)."""

    def __init__(self, display: "Display") -> None:
        self.display = display

    def progress(self, label: str, total: int) -> Any:
        return self.display.progress(label, total)

    def message(self, text: str) -> None:
        self.display.message(text)

    def results(self, reports: Any) -> None:
        pass


def run_one(task: TaskConfig, display: Optional["Display"] = None) -> dict[str, "Report"]:
    from evalscope.backend.base import RunContext
    from evalscope.display import NullDisplay

    backend = _backend(task)
    check_task(task)
    with open_run_dir(task) as run_dir, log_to_file(run_dir.log_file, task.debug):
        logger.info("run directory: %s", run_dir.root)
        context = RunContext(task=task, run_dir=run_dir, display=display or NullDisplay())
        reports = backend.run(context)
        (display or NullDisplay()).results(reports)
        _write_html_report(run_dir)
        return {r.dataset_name: r for r in reports}


def _write_html_report(run_dir: RunDir) -> None:
    from evalscope.report.html import write_run_html

    try:
        logger.info("HTML report: %s", write_run_html(run_dir.root))
    except Exception as exc:  # the reports are written; a viewer file that fails must not fail the run
        logger.warning("could not write the HTML report: %s", exc)


def _backend(task: TaskConfig) -> Any:
    """The task's backend, which has validated the task (before any run directory exists)."""
    try:
        task.eval_backend = registry.canonical("backend", task.eval_backend)
    except RegistryError as exc:
        raise ConfigError(f"eval_backend: {exc}") from None
    backend = registry.get("backend", task.eval_backend)()
    validate = getattr(backend, "validate", None)
    if validate is not None:
        validate(task)
    return backend


def check_task(task: TaskConfig) -> None:
    """What the config alone cannot check, before any directory exists (Native backend): the model's
    ``model_args``, each benchmark's ``prompt_template`` placeholders, and one credential per request."""
    if task.eval_backend.lower() != "native":
        return
    _check_model_args(task)
    _check_prompt_templates(task)
    _warn_masked(task)
    if task.eval_type == "openai_api" and task.api_key is not None and task.api_url:
        from urllib.parse import urlsplit

        if urlsplit(task.api_url).username is not None:
            raise ConfigError("api_url carries credentials (user:password@) and api_key is set too: a request "
                              "has one Authorization header; give only one of them")


def _check_model_args(task: TaskConfig) -> None:
    """``model_args`` against the model type's ``args_model``: a factory attribute holding a pydantic
    model of them, or ``None`` for a type that takes none. Without the attribute nothing is checked
    (a custom class takes what its constructor takes)."""
    from evalscope.config.errors import validate

    if not isinstance(task.model, (str, type(None))):
        return
    try:
        factory = registry.get("model", registry.canonical("model", task.eval_type or "mock_llm"))
    except RegistryError:
        return  # the backend's validation names the model type
    if not hasattr(factory, "args_model"):
        return
    if factory.args_model is None:
        if task.model_args:
            raise ConfigError(
                f"model_args: the {task.eval_type} model takes none (got {', '.join(map(repr, task.model_args))}); "
                "sampling settings go in --generation-config, HTTP headers in generation_config.extra_headers"
            )
        return
    validate(factory.args_model, task.model_args, f"model_args of {task.eval_type}")


def _warn_masked(task: TaskConfig) -> None:
    """A task read back from a saved ``task_config.yaml`` holds masks where its secrets were: say so."""
    from evalscope.secrets import MASK

    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}.{i}")
        elif isinstance(value, str) and MASK in value:
            found.append(path)

    walk(task.to_plain_dict(), "")
    if found:
        logger.warning("%s hold%s a masked value (%s), sent as it is: a saved task_config.yaml has its secrets "
                       "masked; pass the real values again", ", ".join(found), "s" if len(found) == 1 else "",
                       MASK)


def _check_prompt_templates(task: TaskConfig) -> None:
    from evalscope.config.templates import benchmark_template_fields, check_template

    for name in task.datasets:
        template = task.dataset_args_for(name).prompt_template
        if template is None:
            continue
        try:
            benchmark = registry.get("benchmark", registry.canonical("benchmark", name))
        except RegistryError:
            continue
        fields = benchmark_template_fields(benchmark)
        if fields is None:
            continue
        try:
            check_template(template, fields)
        except ValueError as exc:
            raise ConfigError(f"dataset_args.{name}.prompt_template: {exc}") from None


@contextmanager
def open_run_dir(task: TaskConfig) -> Iterator[RunDir]:
    """The task's run directory, locked for the run, checked, created, with the task config written.

    ``use_cache`` takes an existing run (one with ``configs/task_config.yaml``) made with the same
    settings; otherwise a new ``<work_dir>/<timestamp>`` (or ``work_dir`` itself with ``no_timestamp``,
    which must not hold a run yet).
    """
    run_dir = _cached_run_dir(task) if task.use_cache else _new_run_dir(task)
    with run_dir.lock():
        if task.use_cache:
            check_resumable(task, run_dir)
        elif task.no_timestamp and (run_dir.task_config.exists() or any(run_dir.predictions.rglob("*.jsonl"))):
            raise ConfigError(
                f"work_dir {str(run_dir.root)!r} already holds a run (no_timestamp is set); resume it with "
                f"--use-cache {run_dir.root}, or choose another work_dir"
            )
        try:
            run_dir.create()
        except OSError as exc:
            raise ConfigError(f"cannot create the run directory {run_dir.root}: {exc.strerror or exc}") from None
        write_task_config(task, run_dir)
        yield run_dir


def _cached_run_dir(task: TaskConfig) -> RunDir:
    root = Path(str(task.use_cache)).expanduser()
    if not root.is_dir():
        raise ConfigError(f"use_cache: {str(root)!r} is not a directory; give the directory of a previous run "
                          "(<work_dir>/<timestamp>)")
    run_dir = RunDir(root)
    if not run_dir.task_config.is_file():
        raise ConfigError(
            f"use_cache: {str(root)!r} is not an evalscope run directory (it has no configs/task_config.yaml); "
            "give the directory of a previous run (<work_dir>/<timestamp>), or drop --use-cache for a new run"
        )
    return run_dir


def _new_run_dir(task: TaskConfig) -> RunDir:
    base = Path(task.work_dir).expanduser()
    if base.exists() and not base.is_dir():
        raise ConfigError(f"work_dir {str(base)!r} is a file, not a directory; choose a directory for the runs")
    try:
        base.mkdir(parents=True, exist_ok=True)
        if task.no_timestamp:
            return RunDir(base)
        stamp = timestamp()
        root, suffix = base / stamp, 1
        while True:  # mkdir reserves the name: runs started in the same second get their own directories
            try:
                root.mkdir()
                return RunDir(root)
            except FileExistsError:
                root, suffix = base / f"{stamp}_{suffix}", suffix + 1
    except OSError as exc:
        raise ConfigError(f"work_dir {str(base)!r}: cannot create a run directory there: "
                          f"{exc.strerror or exc}") from None


def _identity(data: dict[str, Any], what: str) -> dict[str, Any]:
    """What a cached run must share with this task for its answers to be reused."""
    from evalscope.config import DatasetArgs, GenerationConfig
    from evalscope.config.errors import validate

    generation = validate(GenerationConfig, data.get("generation_config") or {}, f"{what} generation_config")
    return {
        "model_id": data.get("model_id"),
        "model": data.get("model"),
        "eval_type": data.get("eval_type"),
        "generation_config": generation.identity(),
        "dataset_args": {
            name: validate(DatasetArgs, a or {}, f"{what} dataset_args.{name}").identity()
            for name, a in (data.get("dataset_args") or {}).items()
        },
    }


IDENTITY_TAG = "# evalscope identity:"
"""Header line of ``task_config.yaml``: a salted hash of the settings a resume must share, so that
masked values (``extra_body``, URL credentials) are compared without being written."""


def _identity_digest(identity: dict[str, Any], salt: bytes) -> str:
    canonical = json.dumps(identity, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", canonical, salt, 100_000).hex()


def _damaged(path: Path, reason: str) -> ConfigError:
    return ConfigError(
        f"use_cache: {path} is damaged ({reason}), so whether this task may reuse the run's answers cannot be "
        "checked. Repair or restore it (it is the YAML of the task that made the run, secrets masked), "
        "or start a new run without --use-cache."
    )


def read_task_config(path: Path) -> tuple[dict[str, Any], Optional[tuple[bytes, str]]]:
    """A saved task config and its identity stamp (salt, digest), or ``None`` for a file without one."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _damaged(path, f"not UTF-8 at byte {exc.start}") from None
    except OSError as exc:
        raise _damaged(path, exc.strerror or str(exc)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _damaged(path, "invalid YAML" + (f" at line {mark.line + 1}" if mark is not None else "")) from None
    if not isinstance(data, dict):
        raise _damaged(path, f"it holds {type(data).__name__}, not a task mapping")
    stamp = None
    first = text.splitlines()[0] if text else ""
    if first.startswith(IDENTITY_TAG):
        scheme, _, rest = first[len(IDENTITY_TAG):].strip().partition("$")
        salt, _, digest = rest.partition("$")
        try:
            stamp = (bytes.fromhex(salt), digest) if scheme == "pbkdf2_sha256" and digest else None
        except ValueError:
            stamp = None
    return data, stamp


def check_resumable(task: TaskConfig, run_dir: RunDir) -> None:
    """Refuse to resume a run made with a different model, generation or benchmark config.

    The saved config has its secrets masked: the visible settings are compared as they are, and the
    masked ones through the file's identity stamp (a salted hash). A file written before stamps existed
    holds those values in clear and is compared directly.
    """
    from evalscope.config.task import mask_task_data
    from evalscope.secrets import MASK

    path = run_dir.task_config
    cached, stamp = read_task_config(path)
    try:
        old_plain = _identity(cached, f"cached {path}")
        old = _identity(mask_task_data(cached), f"cached {path}")
    except ConfigError as exc:
        raise _damaged(path, f"it no longer validates: {exc}") from None
    new = _identity(task.to_safe_dict(), "task")
    new_plain = _identity(task.to_plain_dict(), "task")
    diffs = _identity_diffs(old, new, task)
    if not diffs:
        if stamp is not None:
            same = _identity_digest(new_plain, stamp[0]) == stamp[1]
        elif MASK not in json.dumps(old_plain, default=str):
            same = not _identity_diffs(old_plain, new_plain, task)
        else:
            logger.warning("use_cache: %s has masked values and no identity stamp; they are assumed unchanged",
                           path)
            same = True
        if not same:
            diffs.append("a masked value (generation_config.extra_body, or credentials in model) differs")
    if diffs:
        raise ConfigError(
            f"use_cache: the run in {run_dir.root} was made with a different config, and mixing its results "
            "with this task's would be wrong:\n  " + "\n  ".join(diffs)
            + "\nResume with the same settings, or start a new run without --use-cache."
        )


def _identity_diffs(old: dict[str, Any], new: dict[str, Any], task: TaskConfig) -> list[str]:
    diffs = []
    for key in ("model_id", "model", "eval_type", "generation_config"):
        if old[key] != new[key]:
            diffs.append(f"{key}: cached {old[key]!r}, now {new[key]!r}")
    for name in set(old["dataset_args"]) | set(new["dataset_args"]):
        if name in task.datasets and old["dataset_args"].get(name, {}) != new["dataset_args"].get(name, {}):
            diffs.append(f"dataset_args.{name}: cached {old['dataset_args'].get(name, {})!r}, "
                         f"now {new['dataset_args'].get(name, {})!r}")
    return diffs


def write_task_config(task: TaskConfig, run_dir: RunDir) -> Path:
    """``configs/task_config.yaml``: the task with secrets masked, and an identity stamp in its first line
    (a comment, so ``run_task`` can read the file back). Written atomically."""
    import yaml

    data = task.to_safe_dict()
    data.pop("api_key", None)  # masked keys are not valid keys; the user passes the key again
    salt = os.urandom(16)
    stamp = f"{IDENTITY_TAG} pbkdf2_sha256${salt.hex()}${_identity_digest(_identity(task.to_plain_dict(), 'task'), salt)}"
    text = stamp + "\n# secrets are masked: pass them again when running this file\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    run_dir.configs.mkdir(parents=True, exist_ok=True)
    tmp = run_dir.task_config.with_name(f".{run_dir.task_config.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, run_dir.task_config)
    return run_dir.task_config
