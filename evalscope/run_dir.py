"""The run directory, EvalScope's layout.

```
<work_dir>/<timestamp>/
  .evalscope.lock              held (flock) by the run using the directory; holds its pid
  configs/task_config.yaml     the validated task, secrets masked (can be fed back to run_task)
  logs/eval_log.log
  predictions/<model_id>/<benchmark>_<subset>.jsonl
  reviews/<model_id>/<benchmark>_<subset>.jsonl
  reports/<model_id>/<benchmark>.json
```

File names are made file-system-safe; where that changes a name (``a b`` and ``a_b``), a short hash
of the real name is appended, so that two subsets never share a file.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from evalscope.errors import UsageError
from evalscope.report.io import safe_name

LOCK_FILE = ".evalscope.lock"


def timestamp() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M%S")


def file_part(name: str) -> str:
    """``name`` as part of a file name: itself when safe, else its safe form plus a short hash of it
    (injective: ``a b`` -> ``a_b-<hash>``, ``a_b`` -> ``a_b``)."""
    safe = safe_name(name)
    if safe == name:
        return name
    return f"{safe}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"


class RunDirBusy(UsageError):
    """Another process holds the run directory."""


@dataclass(frozen=True)
class RunDir:
    """Paths inside one run directory (nothing is created until ``create``)."""

    root: Path

    @property
    def configs(self) -> Path:
        return self.root / "configs"

    @property
    def task_config(self) -> Path:
        return self.configs / "task_config.yaml"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs / "eval_log.log"

    @property
    def predictions(self) -> Path:
        return self.root / "predictions"

    @property
    def reviews(self) -> Path:
        return self.root / "reviews"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def prediction_file(self, model_id: str, benchmark: str, subset: str) -> Path:
        return self.predictions / safe_name(model_id) / f"{file_part(benchmark)}_{file_part(subset)}.jsonl"

    def review_file(self, model_id: str, benchmark: str, subset: str) -> Path:
        return self.reviews / safe_name(model_id) / f"{file_part(benchmark)}_{file_part(subset)}.jsonl"

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK_FILE

    @contextmanager
    def lock(self) -> Iterator["RunDir"]:
        """Hold the directory for one run (an exclusive ``flock``, released when the process ends, even
        by SIGKILL); a second run gets a ``RunDirBusy`` naming the holder's pid."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield self
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                raise RunDirBusy(
                    f"{self.root} is in use by another evalscope run (pid {holder}); wait for it to finish "
                    "or stop it, then resume with --use-cache; or start a new run in another work_dir"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            yield self
        finally:
            os.close(fd)

    def backend_dir(self, backend: str) -> Path:
        """Scratch space of an external backend (its native config, job file and raw outputs)."""
        return self.root / "backends" / safe_name(backend)

    def create(self) -> "RunDir":
        for d in (self.configs, self.logs, self.predictions, self.reviews, self.reports):
            d.mkdir(parents=True, exist_ok=True)
        return self
