"""Reading perf sweeps: the runs' summary and percentile JSON, their args, and the SQLite request records."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Optional

from evalscope.report.store.discover import is_perf_point
from evalscope.report.store.evalrun import created_at
from evalscope.report.store.models import PerfPoint, PerfRequest, RunInfo
from evalscope.secrets import mask_config

_POINT = re.compile(r"^(?:parallel_(?P<p>\d+)|rate_(?P<r>[\d.]+))(?:_number_\d+)?")
THROUGHPUT = "Output Throughput (tok/s)"


def _json(path: Path, notes: list[str]) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{path.parent.name}/{path.name}: unreadable ({str(exc)[:120]})")
        return None


def point_dirs(sweep: Path) -> list[Path]:
    if is_perf_point(sweep):
        return [sweep]
    dirs = [d for d in sweep.iterdir() if d.is_dir() and is_perf_point(d)]
    return sorted(dirs, key=_order)


def _order(path: Path) -> tuple:
    m = _POINT.match(path.name)
    if not m:
        return (2, 0.0, path.name)
    return (0, float(m.group("p")), path.name) if m.group("p") else (1, float(m.group("r")), path.name)


def read_point(path: Path, notes: list[str]) -> PerfPoint:
    summary = _json(path / "benchmark_summary.json", notes) or {}
    percentiles = _json(path / "benchmark_percentile.json", notes) or []
    args = _json(path / "benchmark_args.json", notes) or {}
    m = _POINT.match(path.name)
    parallel = summary.get("Concurrency") if isinstance(summary, dict) else None
    rate = summary.get("Request Rate (req/s)") if isinstance(summary, dict) else None
    if parallel is None and m and m.group("p"):
        parallel = int(m.group("p"))
    if rate is None and m and m.group("r"):
        rate = float(m.group("r"))
    return PerfPoint(
        name=path.name, path=str(path), parallel=parallel if isinstance(parallel, int) else None,
        rate=float(rate) if isinstance(rate, (int, float)) and rate > 0 else None,
        summary=summary if isinstance(summary, dict) else {},
        percentiles=[r for r in percentiles if isinstance(r, dict)] if isinstance(percentiles, list) else [],
        args=mask_config(args) if isinstance(args, dict) else {}, has_db=(path / "benchmark_data.db").is_file(),
    )


def read_sweep(path: Path) -> tuple[list[PerfPoint], list[str]]:
    notes: list[str] = []
    points = [read_point(d, notes) for d in point_dirs(path)]
    return points, notes


def sweep_info(run_id: str, path: Path) -> RunInfo:
    points, notes = read_sweep(path)
    models = sorted({str(p.args.get("model")) for p in points if p.args.get("model")})
    finished = (path / "sweep_summary.json").is_file() or (is_perf_point(path) and points and points[0].summary)
    pending = [p.name for p in points if not p.summary]
    status = "complete" if finished and not pending else "running" if _recent(path) else "incomplete"
    if status == "complete" and any((p.summary.get("Failed Requests") or 0) > 0 for p in points):
        status = "errors"
    name = path.name if is_perf_point(path) else f"{path.parent.name}/{path.name}"
    return RunInfo(
        id=run_id, kind="perf", path=str(path), name=name, models=models, benchmarks=[p.name for p in points],
        backend="perf", created=created_at(path), status=status, notes=notes,
        scores={p.name: p.summary.get(THROUGHPUT) for p in points if p.summary},
    )


def _recent(path: Path, window: float = 120.0) -> bool:
    import time

    latest = 0.0
    for file in path.rglob("*"):
        try:
            latest = max(latest, file.stat().st_mtime)
        except OSError:
            pass
    return time.time() - latest < window


def read_requests(db: Path, limit: int = 5000) -> tuple[list[PerfRequest], int]:
    """The first ``limit`` requests of a run by send time (times relative to the first send), and the total."""
    if not db.is_file():
        return [], 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        total = con.execute("SELECT COUNT(*) FROM result").fetchone()[0]
        rows = con.execute(
            "SELECT start_time, first_chunk_latency, completed_time, success, error FROM result "
            "WHERE start_time IS NOT NULL ORDER BY start_time LIMIT ?", (limit,)).fetchall()
    except sqlite3.DatabaseError:
        return [], 0
    finally:
        con.close()
    if not rows:
        return [], total
    origin = rows[0][0]
    out = []
    for start, ttft, end, success, error in rows:
        out.append(PerfRequest(start=start - origin, first_chunk=None if ttft is None else start - origin + ttft,
                               end=None if end is None else end - origin, success=bool(success),
                               error=_short(error)))
    return out, total


def _short(text: Optional[str]) -> Optional[str]:
    return None if text is None else text[:300]
