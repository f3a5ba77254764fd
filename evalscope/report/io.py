"""Read and write Reports as JSON files (``reports/<model>/<benchmark>.json``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from evalscope.errors import EvalscopeError
from evalscope.report.schema import Report


def safe_name(name: str) -> str:
    """A file-system-safe form of a model or benchmark name (``org/model`` -> ``org_model``)."""
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in name).strip("._") or "unnamed"


def report_path(reports_dir: str | Path, report: Report) -> Path:
    return Path(reports_dir) / safe_name(report.model_name) / f"{safe_name(report.dataset_name)}.json"


def write_report(reports_dir: str | Path, report: Report) -> Path:
    """Write ``report`` atomically under ``reports_dir``; returns its path."""
    path = report_path(reports_dir, report)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_report(path: str | Path) -> Report:
    """Read one report file; a file that is not a valid report names itself in the error."""
    path = Path(path)
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalscopeError(f"{path}: not a readable evalscope report: {exc}") from exc


def read_reports(reports_dir: str | Path) -> list[Report]:
    """Every report under ``reports_dir`` (recursively), sorted by model then dataset."""
    paths = sorted(Path(reports_dir).rglob("*.json"))
    reports = [read_report(p) for p in paths]
    return sorted(reports, key=lambda r: (r.model_name, r.dataset_name))
