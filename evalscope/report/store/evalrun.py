"""Reading one eval run directory (Native, RAG and external backends): reports, task config, sample files."""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import EvalscopeError
from evalscope.report.io import read_report, safe_name
from evalscope.report.schema import Report
from evalscope.report.store.models import RunInfo, RunStatus, SampleFile
from evalscope.secrets import mask_config

logger = logging.getLogger(__name__)

RUNNING_WINDOW_S = 120.0
"""A run without all its reports whose files changed this recently is shown as running."""
_STAMP = re.compile(r"(\d{8}_\d{6})")


def created_at(path: Path) -> Optional[float]:
    """Start time from a ``YYYYMMDD_HHMMSS`` directory name (this one or its parent), else the mtime."""
    for part in (path.name, path.parent.name):
        match = _STAMP.search(part)
        if match:
            try:
                return datetime.strptime(match.group(1), "%Y%m%d_%H%M%S").timestamp()
            except ValueError:
                pass
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def read_task_config(path: Path) -> tuple[dict[str, Any], list[str]]:
    """``configs/task_config.yaml`` with secrets masked (again: a hand-edited file may hold one)."""
    file = path / "configs" / "task_config.yaml"
    if not file.is_file():
        return {}, []
    import yaml

    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return {}, [f"configs/task_config.yaml: unreadable ({str(exc).splitlines()[0][:200]})"]
    if not isinstance(data, dict):
        return {}, ["configs/task_config.yaml: not a mapping"]
    return mask_config(data), []


def read_reports(path: Path) -> tuple[list[Report], list[str]]:
    """Every readable report of the run, sorted by model then benchmark; unreadable ones become notes."""
    reports, notes = [], []
    for file in sorted((path / "reports").glob("*/*.json")):
        try:
            reports.append(read_report(file))
        except EvalscopeError as exc:
            notes.append(f"{file.relative_to(path)}: unreadable report ({str(exc).split(': ', 2)[-1][:200]})")
    reports.sort(key=lambda r: (r.model_name, r.dataset_name))
    return reports, notes


def _latest_change(path: Path) -> float:
    latest = 0.0
    for sub in ("logs", "predictions", "reviews", "reports", "backends"):
        base = path / sub
        if not base.is_dir():
            continue
        for file in base.rglob("*"):
            try:
                latest = max(latest, file.stat().st_mtime)
            except OSError:
                pass
    return latest


def status_of(path: Path, config: dict[str, Any], reports: list[Report], now: Optional[float] = None) -> RunStatus:
    expected = {str(d) for d in config.get("datasets") or []}
    have = {r.dataset_name for r in reports}
    missing = bool(expected - have) if expected else not reports
    if missing:
        recent = (now or time.time()) - _latest_change(path) < RUNNING_WINDOW_S
        return "running" if recent else "incomplete"
    if any(r.execution is not None and r.execution.incomplete for r in reports):
        return "errors"
    return "complete"


def run_info(run_id: str, path: Path) -> RunInfo:
    config, notes = read_task_config(path)
    reports, report_notes = read_reports(path)
    notes += report_notes
    backends = {r.backend for r in reports} or {str(config.get("eval_backend") or "Native")}
    backend = sorted(backends)[0] if len(backends) == 1 else ", ".join(sorted(backends))
    models = sorted({r.model_name for r in reports}) or [str(config.get("model_id") or config.get("model") or "?")]
    benchmarks = sorted({r.dataset_name for r in reports} | {str(d) for d in config.get("datasets") or []})
    return RunInfo(
        id=run_id, kind="rag" if backend == "RAGEval" else "eval", path=str(path), name=path.name,
        models=models, benchmarks=benchmarks, backend=backend, created=created_at(path),
        status=status_of(path, config, reports), notes=notes,
        scores={f"{r.model_name}@{r.dataset_name}": r.score for r in reports},
    )


def sample_files(path: Path, reports: list[Report], config: dict[str, Any]) -> list[SampleFile]:
    """The per-sample files of the run, with benchmark and subset told apart by the known benchmark names."""
    known = {safe_name(r.dataset_name): r.dataset_name for r in reports}
    known.update({safe_name(str(d)): str(d) for d in config.get("datasets") or [] if safe_name(str(d)) not in known})
    files: dict[tuple[str, str, str], SampleFile] = {}
    for kind in ("predictions", "reviews"):
        for file in sorted((path / kind).glob("*/*.jsonl")):
            model = file.parent.name
            benchmark, subset = _split_stem(file.stem, known)
            key = (model, benchmark, subset)
            entry = files.setdefault(key, SampleFile(model=model, benchmark=benchmark, subset=subset))
            setattr(entry, kind, str(file))
    return sorted(files.values(), key=lambda f: (f.model, f.benchmark, f.subset))


def _split_stem(stem: str, known: dict[str, str]) -> tuple[str, str]:
    for safe in sorted(known, key=len, reverse=True):
        if stem.startswith(safe + "_"):
            return known[safe], stem[len(safe) + 1:]
    if stem in known:
        return known[stem], "default"
    bench, _, subset = stem.rpartition("_")
    return (bench, subset) if bench else (stem, "default")
