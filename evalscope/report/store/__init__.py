"""The run store: the one reader of run directories (eval runs of every backend, RAG runs, perf sweeps).

The viewer (``evalscope app``) and the HTML writers read runs only through :class:`RunStore`. It never writes,
and reads nothing outside its roots: ids are ``<root index>/<relative path>``, resolved with symlinks
followed and refused when they leave the roots.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterable, Optional

from evalscope.report.schema import Report
from evalscope.report.store import evalrun, perf
from evalscope.report.store.discover import find_runs
from evalscope.report.store.models import (
    ImageRef,
    PerfPoint,
    PerfRequest,
    RunInfo,
    SampleFile,
    SamplePage,
    SampleQuery,
    SampleRow,
)
from evalscope.report.store.paths import OutsideRoots, inside, resolve_roots, scoped
from evalscope.report.store.samples import BenchmarkSamples

__all__ = ["ImageRef", "OutsideRoots", "PerfPoint", "PerfRequest", "RunInfo", "RunStore", "SampleFile",
           "SamplePage", "SampleQuery", "SampleRow", "UnknownRun"]

logger = logging.getLogger(__name__)
MEDIA_TYPES = ("image/", "audio/", "video/")


class UnknownRun(LookupError):
    """A run id that names no run under the roots."""


class RunStore:
    """Finds and reads runs under one or more roots; caches what it read until the files change."""

    def __init__(self, roots: Iterable[str | Path], background: bool = True) -> None:
        """``background``: index big sample files in a thread, answering pages meanwhile from what is indexed
        (``False``: only :meth:`BenchmarkSamples.work` indexes, for tests)."""
        self.roots = resolve_roots(roots)
        self.background = background
        self._info: dict[Path, tuple[tuple, RunInfo]] = {}
        self._samples: dict[tuple[Path, str, str], tuple[tuple, BenchmarkSamples]] = {}
        self._lock = threading.Lock()
        self._listing = threading.Lock()  # one listing at a time: a second caller then finds it cached

    # --- runs -------------------------------------------------------------------------------------------
    def runs(self) -> list[RunInfo]:
        """Every run under the roots, newest first."""
        found = []
        with self._listing:
            for index, root in enumerate(self.roots):
                if not root.is_dir():
                    continue
                for kind, path in find_runs(root, self.roots):
                    rel = path.relative_to(root).as_posix() if path != root else "."
                    found.append(self._run_info(f"{index}/{rel}", kind, path))
        return sorted(found, key=lambda r: (r.created or 0, r.id), reverse=True)

    def warm_up(self) -> threading.Thread:
        """Read every run's summary in a thread now (the viewer does it at start-up, so that its first runs
        list is served from the cache); returns the thread."""
        thread = threading.Thread(target=self.runs, name="evalscope-runs-warm-up", daemon=True)
        thread.start()
        return thread

    def path(self, run_id: str) -> Path:
        index, _, rel = run_id.partition("/")
        try:
            return scoped(self.roots, int(index), rel or ".")
        except (ValueError, OutsideRoots) as exc:
            raise UnknownRun(f"no run {run_id!r} ({exc})") from None

    def run(self, run_id: str) -> RunInfo:
        from evalscope.report.store.discover import kind_of

        path = self.path(run_id)
        kind = kind_of(path)
        if kind is None:
            raise UnknownRun(f"no run {run_id!r}")
        return self._run_info(run_id, kind, path)

    def _run_info(self, run_id: str, kind: str, path: Path) -> RunInfo:
        signature = _signature(path, kind)
        with self._lock:
            cached = self._info.get(path)
        if cached and cached[0] == signature and cached[1].status != "running" and cached[1].id == run_id:
            return cached[1]
        try:
            info = perf.sweep_info(run_id, path) if kind == "perf" else evalrun.run_info(run_id, path)
        except OSError as exc:  # a folder removed or unreadable mid-read
            info = RunInfo(id=run_id, kind="eval" if kind == "eval" else "perf", path=str(path), name=path.name,
                           status="incomplete", notes=[f"unreadable: {exc}"])
        with self._lock:
            self._info[path] = (signature, info)
        return info

    # --- eval runs --------------------------------------------------------------------------------------
    def reports(self, run_id: str) -> tuple[list[Report], list[str]]:
        return evalrun.read_reports(self.path(run_id))

    def task_config(self, run_id: str) -> dict[str, Any]:
        """The task config, secrets masked."""
        return evalrun.read_task_config(self.path(run_id))[0]

    def sample_files(self, run_id: str) -> list[SampleFile]:
        path = self.path(run_id)
        reports, _ = evalrun.read_reports(path)
        return evalrun.sample_files(path, reports, evalrun.read_task_config(path)[0])

    def benchmark_samples(self, run_id: str, model: str, benchmark: str) -> BenchmarkSamples:
        path = self.path(run_id)
        files = [f for f in self.sample_files(run_id) if f.model == model and f.benchmark == benchmark]
        if not files:
            raise UnknownRun(f"run {run_id!r} has no samples of {model!r} on {benchmark!r}")
        key, signature = (path, model, benchmark), tuple((f.predictions, f.reviews) for f in files)
        with self._lock:
            cached = self._samples.get(key)
            if cached is None or cached[0] != signature:
                cached = (signature, BenchmarkSamples(files, background=self.background))
                self._samples[key] = cached
                if len(self._samples) > 64:
                    self._samples.pop(next(iter(self._samples)))
        return cached[1]

    def samples(self, run_id: str, query: SampleQuery, wait: Optional[float] = None) -> SamplePage:
        """One page of samples. While big files are still being indexed the page holds what is indexed so far
        (``complete`` false); ``wait``: seconds to wait for the index first (default 0.3)."""
        files = self.sample_files(run_id)
        if not files:
            return SamplePage(total=0, rows=[])
        model = query.model or files[0].model
        benchmark = query.benchmark or next(f.benchmark for f in files if f.model == model)
        return self.benchmark_samples(run_id, model, benchmark).page(query, wait)

    def log_tail(self, run_id: str, max_bytes: int = 20_000) -> str:
        file = self.path(run_id) / "logs" / "eval_log.log"
        real = inside(file, self.roots)
        if real is None:
            return ""
        with open(real, "rb") as f:
            f.seek(max(0, real.stat().st_size - max_bytes))
            return f.read().decode("utf-8", errors="replace")

    # --- perf sweeps ------------------------------------------------------------------------------------
    def perf_points(self, run_id: str) -> tuple[list[PerfPoint], list[str]]:
        return perf.read_sweep(self.path(run_id))

    def perf_requests(self, run_id: str, point: str, limit: int = 5000) -> tuple[list[PerfRequest], int]:
        points, _ = self.perf_points(run_id)
        match = next((p for p in points if p.name == point), None)
        if match is None:
            raise UnknownRun(f"sweep {run_id!r} has no run {point!r}")
        db = inside(Path(match.path) / "benchmark_data.db", self.roots)
        return perf.read_requests(db, limit) if db else ([], 0)

    # --- files ------------------------------------------------------------------------------------------
    def media_file(self, run_id: str, source: str) -> Path:
        """A media file a record points at, when it is an image, audio or video file inside the roots;
        ``OutsideRoots`` otherwise, its message the reason. Relative sources are taken from the run directory."""
        import mimetypes

        base = self.path(run_id)
        if not source or "\0" in source:
            raise OutsideRoots("no file named")
        candidate = Path(source).expanduser()
        if not candidate.is_absolute():
            candidate = base / candidate
        real = inside(candidate, self.roots)
        if real is None:
            try:
                exists = candidate.resolve(strict=True).is_file()
            except (OSError, RuntimeError):
                exists = False
            raise OutsideRoots(f"{source!r} lies outside the served roots" if exists else f"{source!r}: no such file")
        if not real.is_file():
            raise OutsideRoots(f"{source!r} is not a file")
        if not (mimetypes.guess_type(real.name)[0] or "").startswith(MEDIA_TYPES):
            raise OutsideRoots(f"{source!r} is not an image, audio or video file")
        return real


def _mtime(path: Path) -> Optional[int]:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _signature(path: Path, kind: str) -> tuple:
    """What changes when a run changes (folder mtimes change when files are added or removed)."""
    if kind == "perf":
        subs = [path, *(d for d in path.iterdir() if d.is_dir())] if path.is_dir() else [path]
        return tuple(_mtime(p) for p in subs) + tuple(_mtime(p / "benchmark_summary.json") for p in subs)
    parts = [path / "configs" / "task_config.yaml", path / "logs" / "eval_log.log", path / "reports"]
    reports = path / "reports"
    if reports.is_dir():
        parts += sorted(reports.iterdir())
        parts += sorted(reports.glob("*/*.json"))
    return tuple(_mtime(p) for p in parts)
