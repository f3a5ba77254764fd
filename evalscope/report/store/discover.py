"""Finding runs under a root: eval run directories and perf sweeps, by what they contain."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Literal, Optional

from evalscope.report.store.paths import inside

MAX_DEPTH = 5
PERF_POINT_FILES = ("benchmark_summary.json", "benchmark_data.db", "benchmark_args.json")

Found = tuple[Literal["eval", "perf"], Path]


def kind_of(path: Path) -> Optional[Literal["eval", "perf"]]:
    """``eval`` for a run directory (reports/, predictions/ or configs/task_config.yaml), ``perf`` for a sweep
    (sweep_summary.json, benchmark.log, or perf run folders inside), else ``None``."""
    if (path / "reports").is_dir() or (path / "predictions").is_dir() or (path / "configs" / "task_config.yaml").is_file():
        return "eval"
    if (path / "sweep_summary.json").is_file() or (path / "perf_report.html").is_file():
        return "perf"
    if is_perf_point(path):
        return "perf"  # a single run folder given as a root
    try:
        with os.scandir(path) as entries:
            if any(e.is_dir() and is_perf_point(Path(e.path)) for e in entries):
                return "perf"
    except OSError:
        return None
    if (path / "benchmark.log").is_file():
        return "perf"  # a sweep that has not finished its first run
    return None


def is_perf_point(path: Path) -> bool:
    return any((path / name).is_file() for name in PERF_POINT_FILES)


def find_runs(root: Path, roots: list[Path]) -> Iterator[Found]:
    """Every run under ``root`` (the root itself included), not descending into a run; hidden folders and
    symlinks that leave the roots are skipped."""
    stack = [(root, 0)]
    while stack:
        path, depth = stack.pop()
        kind = kind_of(path)
        if kind is not None:
            yield kind, path
            continue
        if depth >= MAX_DEPTH:
            continue
        try:
            with os.scandir(path) as entries:
                children = sorted((e for e in entries if e.is_dir() and not e.name.startswith(".")),
                                  key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in children:
            child = Path(entry.path)
            if entry.is_symlink() and inside(child, roots) is None:
                continue
            stack.append((child, depth + 1))
