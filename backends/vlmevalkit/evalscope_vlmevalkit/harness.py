"""Run VLMEvalKit (``ms-vlmeval``) on a native config; the only module that imports ``vlmeval``.

Around VLMEvalKit's own ``run_task`` it fixes what the plain CLI gets wrong offline:

- every dataset's TSV must be there before anything is imported (``<data_dir>/<name>.tsv``, linked
  into a writable ``LMUData`` under the run); a missing one fails in seconds, naming the path and
  where VLMEvalKit downloads it from (``evalscope_vlmevalkit.sources``);
- a local TSV wins over VLMEvalKit's md5 table (which would re-download it): a warning says so;
- local-form models are checked before anything loads (key, model_path, constructor arguments);
- loopback API and judge servers are reached without proxies (VLMEvalKit ignores ``NO_PROXY``);
- a configured judge that does not answer fails the dataset (VLMEvalKit falls back to exact matching);
- TLS verification, which ``import vlmeval`` turns off process-wide, is restored right after;
- predictions and scores are written as TSV/CSV (``PRED_FORMAT``/``EVAL_FORMAT``), read back by
  ``evalscope_vlmevalkit.results`` without pandas.
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evalscope.errors import UsageError

logger = logging.getLogger(__name__)

PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
JUDGE_DOWN = "OPENAI API is not working properly"
"""The start of VLMEvalKit's warning when its judge does not answer its check."""


def stage_data(native: dict[str, Any]) -> dict[str, Path]:
    """``{dataset: tsv in LMUData}``; a ``UsageError`` naming every dataset whose TSV is missing."""
    lmu = Path(native["lmudata"])
    lmu.mkdir(parents=True, exist_ok=True)
    data_dir = Path(native["data_dir"]) if native.get("data_dir") else None
    staged, missing = {}, []
    for name in native["data"]:
        target = lmu / f"{name}.tsv"
        source = data_dir / f"{name}.tsv" if data_dir else None
        if source is not None and source.is_file():
            if target.is_symlink() or target.exists():
                target.unlink()
            target.symlink_to(source.resolve())
        if not target.exists():
            missing.append(name)
        staged[name] = target
    if missing:
        from evalscope_vlmevalkit.sources import dataset_urls, where_from

        urls = dataset_urls()
        raise UsageError(
            "VLMEvalKit: no local TSV for " + "; ".join(
                f"{name} (looked for {data_dir / (name + '.tsv') if data_dir else lmu / (name + '.tsv')}; "
                f"{where_from(name, urls)})" for name in missing)
            + ". VLMEvalKit's datasets are TSV files (images inline as base64); this backend reads them "
            "from disk and never lets VLMEvalKit download one (offline its download fails and still exits 0): "
            "put <name>.tsv in eval_config 'data_dir' (or --dataset-dir, or $LMUData)")
    return staged


def no_proxy_for_loopback(native: dict[str, Any]) -> None:
    hosts = [urlsplit(m["kwargs"].get("api_base", "")).hostname for m in native["models"] if m["kind"] == "api"]
    hosts.append(urlsplit((native.get("env") or {}).get("OPENAI_API_BASE", "")).hostname)  # the judge
    if any(h in LOOPBACK for h in hosts if h):
        dropped = [v for v in PROXY_VARS if os.environ.pop(v, None) is not None]
        if dropped:
            logger.warning("VLMEvalKit: unset %s: its API client sends every request through a proxy (NO_PROXY "
                           "ignored), which cannot reach a loopback server", ", ".join(dropped))


def set_environment(native: dict[str, Any]) -> None:
    os.environ["LMUData"] = native["lmudata"]
    os.environ["PRED_FORMAT"] = "tsv"
    os.environ["EVAL_FORMAT"] = "csv"
    os.environ.pop("MMEVAL_ROOT", None)  # it would move the work dir out of the run
    os.environ.update(native.get("env") or {})
    no_proxy_for_loopback(native)


def import_vlmeval() -> None:
    """``import vlmeval`` (10-15 s), then restore the TLS verification it turns off process-wide."""
    default = ssl._create_default_https_context
    import vlmeval  # noqa: F401

    ssl._create_default_https_context = default


def local_files_win(staged: dict[str, Path]) -> None:
    """Drop the md5 entries of datasets read from local files, warning when the file differs."""
    import inspect

    import vlmeval.dataset as ds

    tables = [c.DATASET_MD5 for _, c in inspect.getmembers(ds, inspect.isclass)
              if isinstance(getattr(c, "DATASET_MD5", None), dict)]
    for name, path in staged.items():
        expected = {t[name] for t in tables if name in t}
        if not expected:
            continue
        digest = hashlib.md5(path.read_bytes()).hexdigest()
        if digest not in expected:
            logger.warning("VLMEvalKit: %s: using the local %s although its md5 %s is not VLMEvalKit's %s",
                           name, path, digest, ", ".join(sorted(expected)))
        for table in tables:
            table.pop(name, None)


def local_model_problems(entry: dict[str, Any], supported: dict[str, Any]) -> list[str]:
    """What is wrong with a local-form model before VLMEvalKit loads it: an unknown key (the nearest
    ones named), a ``model_path`` that looks like a folder and is not there, a constructor argument the
    model's class does not take."""
    import difflib
    import inspect

    key, kwargs = entry["class"], entry["kwargs"]
    if key not in supported:
        near = difflib.get_close_matches(key, list(supported), n=3, cutoff=0.6)
        return [f"unknown model {key!r}: not a key of VLMEvalKit's supported_VLM"
                + (f"; did you mean {', '.join(near)}?" if near else "")]
    problems = []
    path = kwargs.get("model_path")
    if isinstance(path, str) and path.startswith(("/", "./", "../", "~")) and not Path(path).expanduser().exists():
        problems.append(f"{key}: model_path {path} does not exist")
    base = supported[key]
    cls = base.func if isinstance(base, partial) else base
    try:
        params = inspect.signature(cls.__init__ if inspect.isclass(cls) else cls).parameters
    except (TypeError, ValueError):
        return problems
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        for name in kwargs:
            if name not in params:
                near = difflib.get_close_matches(name, [p for p in params if p != "self"], n=1)
                problems.append(f"{key}: {getattr(cls, '__name__', key)} takes no argument {name!r}"
                                + (f"; did you mean {near[0]!r}?" if near else ""))
    return problems


def register_models(native: dict[str, Any]) -> list[str]:
    from vlmeval.config import supported_VLM

    problems = [p for e in native["models"] if e["kind"] == "local" for p in local_model_problems(e, supported_VLM)]
    if problems:
        raise UsageError("VLMEvalKit: " + "; ".join(problems))
    names = []
    for entry in native["models"]:
        cls = entry["class"]
        if cls not in supported_VLM:
            raise UsageError(f"VLMEvalKit: unknown model {cls!r} (not a key of vlmeval.config.supported_VLM)")
        base = supported_VLM[cls]
        if entry["kind"] == "api":
            base = partial(base.func, **{**base.keywords, **entry["kwargs"]}) if isinstance(base, partial) else \
                partial(base, **entry["kwargs"])
        elif entry["kwargs"]:
            base = partial(base, **entry["kwargs"])
        supported_VLM[entry["name"]] = base
        names.append(entry["name"])
    return names


def int_limit(limit: Any, staged: dict[str, Path]) -> Any:
    """VLMEvalKit takes a count: a share becomes the count of the smallest dataset's share."""
    if limit is None or isinstance(limit, int) or limit > 1:
        return None if limit is None else int(limit)
    rows = min(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in staged.values())
    return max(1, round(rows * float(limit)))


class _RedactingStream:
    """A text stream that masks the secrets in everything written through it."""

    def __init__(self, stream: Any, secrets: list[str]) -> None:
        self._stream, self._secrets = stream, secrets

    def write(self, text: str) -> int:
        from evalscope.secrets import redact

        return self._stream.write(redact(text, self._secrets))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def hide_secrets(native: dict[str, Any]) -> None:
    """VLMEvalKit logs API keys (``Using API Base: ...; API Key: ...``): mask them in every log record
    (its own log file included) and in what reaches stdout/stderr."""
    import sys

    from evalscope.secrets import redact

    secrets = [str(m["kwargs"][k]) for m in native["models"] for k in ("key", "api_key") if m["kwargs"].get(k)]
    secrets += [v for k, v in (native.get("env") or {}).items() if k.endswith("KEY") and v]
    secrets = [s for s in secrets if s not in ("EMPTY", "sk-admin")]
    if not secrets:
        return
    factory = logging.getLogRecordFactory()

    def masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a malformed record stays as it is
            return record
        record.msg, record.args = redact(text, secrets), ()
        return record

    logging.setLogRecordFactory(masked)
    sys.stdout = _RedactingStream(sys.stdout, secrets)
    sys.stderr = _RedactingStream(sys.stderr, secrets)


def run(native: dict[str, Any]) -> None:
    staged = stage_data(native)
    hide_secrets(native)
    set_environment(native)
    started = time.monotonic()
    import_vlmeval()
    logger.info("VLMEvalKit: import vlmeval took %.2f s", time.monotonic() - started)
    local_files_win(staged)
    names = register_models(native)
    from vlmeval.run import run_task
    from vlmeval.utils.arguments import Arguments

    args = Arguments(
        data=list(native["data"]), model=names, work_dir=native["work_dir"], mode=native["mode"],
        api_nproc=native["nproc"], reuse=native["reuse"], judge=native.get("judge"), verbose=native["verbose"],
        limit=int_limit(native.get("limit"), staged), nframe=native["nframe"], fps=int(native["fps"]),
        use_subtitle=native["use_subtitle"], **({"retry": native["retry"]} if native.get("retry") is not None else {}),
    )
    Path(native["work_dir"]).mkdir(parents=True, exist_ok=True)
    logger.info("VLMEvalKit: %s on %s", ", ".join(names), ", ".join(native["data"]))
    import warnings

    with warnings.catch_warnings():
        # a configured judge that does not answer: VLMEvalKit warns and scores by exact matching instead;
        # here the dataset fails (its status.json says why), as the user asked for that judge
        warnings.filterwarnings("error", message=JUDGE_DOWN)
        started = time.monotonic()
        run_task(args)
    logger.info("VLMEvalKit: run_task took %.2f s", time.monotonic() - started)
