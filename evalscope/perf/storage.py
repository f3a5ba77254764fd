"""Run outputs: ``benchmark_data.db`` (SQLite, JSON text columns, never pickle) and the JSON files.

Layout (EvalScope's): ``<outputs_dir>/<timestamp>/<name>/parallel_<p>_number_<n>/`` (``<name>_2``... for a sweep
started in the same second under the same name) holding
``benchmark_data.db``, ``benchmark_args.json`` (secrets masked), ``benchmark_summary.json`` and
``benchmark_percentile.json``; the sweep's ``perf_report.html`` and ``sweep_summary.json`` sit in
``<name>/``.

``result`` table, one row per request (times in seconds; ``*_time`` columns are epoch seconds):
request (JSON body), start_time (send), chunk_times (JSON list, epoch of each content chunk), success,
response_messages (JSON list with one object: text, reasoning, finish_reason, usage, error),
completed_time, latency, first_chunk_latency (TTFT; the body's arrival for non-stream), n_chunks,
chunk_time (mean gap between content chunks), prompt_tokens, completion_tokens, max_gpu_memory_cost
(always NULL: not measured), inter_token_latencies (JSON list), time_per_output_token, request_id,
is_stream, then this tool's own: scheduled_time, ready_time, error, status, prompt_token_source,
completion_token_source, chunk_tokens (JSON list or NULL), saw_done, trace_id and turn (--multi-turn: the
conversation and the 1-based turn; NULL otherwise).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from evalscope.errors import UsageError
from evalscope.perf import metrics as m
from evalscope.perf.records import RequestRecord

COLUMNS = (
    ("request", "TEXT"), ("start_time", "REAL"), ("chunk_times", "TEXT"), ("success", "INTEGER"),
    ("response_messages", "TEXT"), ("completed_time", "REAL"), ("latency", "REAL"),
    ("first_chunk_latency", "REAL"), ("n_chunks", "INTEGER"), ("chunk_time", "REAL"),
    ("prompt_tokens", "INTEGER"), ("completion_tokens", "INTEGER"), ("max_gpu_memory_cost", "REAL"),
    ("inter_token_latencies", "TEXT"), ("time_per_output_token", "REAL"), ("request_id", "TEXT"),
    ("is_stream", "INTEGER"), ("scheduled_time", "REAL"), ("ready_time", "REAL"), ("error", "TEXT"),
    ("status", "INTEGER"), ("prompt_token_source", "TEXT"), ("completion_token_source", "TEXT"),
    ("chunk_tokens", "TEXT"), ("saw_done", "INTEGER"), ("trace_id", "INTEGER"), ("turn", "INTEGER"),
)
_DATA_URI = re.compile(r'"data:([\w/+.-]+);base64,[A-Za-z0-9+/=]{64,}"')


def elide_images(body: str) -> str:
    """A request body with base64 data URIs replaced by a short placeholder."""
    if "base64," not in body:
        return body
    return _DATA_URI.sub(lambda mt: f'"data:{mt.group(1)};base64,<elided {len(mt.group(0))} chars>"', body)


def safe_name(name: str) -> str:
    return re.sub(r'[<>:"|?*\\/\0\s]', "_", name) or "perf"



def _row(r: RequestRecord, wall: float) -> tuple:
    abs_ = lambda t: None if t is None else wall + t  # noqa: E731
    first = r.chunk_times[0] - r.send_time if r.success and r.chunk_times else None
    gaps = m.inter_chunk_latencies(r)
    response = {"text": r.text, "reasoning": r.reasoning or None, "finish_reason": r.finish_reason,
                "usage": r.usage, "error": r.error, "n_events": r.n_events}
    return (
        elide_images(r.request), abs_(r.send_time), json.dumps([wall + t for t in r.chunk_times]), int(r.success),
        json.dumps([response], ensure_ascii=False), abs_(r.end_time), m.latency(r), first, len(r.chunk_times),
        (sum(gaps) / len(gaps)) if gaps else None, r.prompt_tokens, r.completion_tokens, None,
        json.dumps(m.inter_token_latencies(r)), m.tpot(r), str(r.request_id), int(r.stream),
        abs_(r.scheduled_time), abs_(r.ready_time), r.error, r.status, r.prompt_token_source,
        r.completion_token_source, None if r.chunk_tokens is None else json.dumps(r.chunk_tokens), int(r.saw_done),
        r.trace_id, r.turn,
    )


def write_db(path: Path, records: Iterable[RequestRecord], wall_origin: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE result ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
        marks = ", ".join("?" * len(COLUMNS))
        con.executemany(f"INSERT INTO result VALUES ({marks})", (_row(r, wall_origin) for r in records))
        con.commit()
    finally:
        con.close()


def read_db(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``benchmark_data.db`` as dicts (JSON columns decoded)."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT * FROM result")]
    finally:
        con.close()
    for row in rows:
        for key in ("chunk_times", "response_messages", "inter_token_latencies", "chunk_tokens"):
            if row.get(key) is not None:
                row[key] = json.loads(row[key])
    return rows


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def output_root(outputs_dir: str, name: Optional[str], timestamp: Optional[str]) -> Path:
    """The sweep's folder, created: ``<outputs_dir>/<timestamp>/<name>``, reserved by ``mkdir`` so that sweeps
    started in the same second get their own (``<name>_2``, ``<name>_3``, ...); without a timestamp,
    ``<outputs_dir>/<name>`` (an earlier sweep's files there are replaced: hold it with ``claim``)."""
    base = Path(outputs_dir).expanduser()
    leaf = safe_name(name or "perf")
    if leaf in (".", ".."):
        leaf = "perf"
    for parent in (base, *base.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"--outputs-dir {outputs_dir!r}: {str(parent)!r} is a file, not a directory")
            break
    try:
        if not timestamp:
            root = base / leaf
            root.mkdir(parents=True, exist_ok=True)
            return root
        (base / timestamp).mkdir(parents=True, exist_ok=True)
        for k in itertools.count(1):
            root = base / timestamp / (leaf if k == 1 else f"{leaf}_{k}")
            try:
                root.mkdir()
                return root
            except FileExistsError:
                continue
    except OSError as exc:
        raise UsageError(f"--outputs-dir {outputs_dir!r}: cannot create the run folder: {exc.strerror or exc}") from None
    raise AssertionError("unreachable")


LOCK_FILE = ".perf.lock"


@contextmanager
def claim(root: Path) -> Iterator[Path]:
    """Hold ``root`` for one sweep (an exclusive ``flock``, released when the process ends, even by SIGKILL); a
    second sweep into the same folder (``--no-timestamp``, same ``--name``) is a ``UsageError`` naming the holder."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield root
        return
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise UsageError(f"{root} is in use by another evalscope perf (pid {holder}); wait for it, or give "
                             "this one another --name (or drop --no-timestamp)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield root
    finally:
        os.close(fd)
