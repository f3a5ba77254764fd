"""The run directory, EvalScope's layout.

```
<work_dir>/<timestamp>/
  configs/task_config.yaml     the validated task, secrets masked (can be fed back to run_task)
  logs/eval_log.log
  predictions/<model_id>/<benchmark>_<subset>.jsonl
  reviews/<model_id>/<benchmark>_<subset>.jsonl
  reports/<model_id>/<benchmark>.json
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evalscope.report.io import safe_name


def timestamp() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M%S")


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
        return self.predictions / safe_name(model_id) / f"{safe_name(benchmark)}_{safe_name(subset)}.jsonl"

    def review_file(self, model_id: str, benchmark: str, subset: str) -> Path:
        return self.reviews / safe_name(model_id) / f"{safe_name(benchmark)}_{safe_name(subset)}.jsonl"

    def backend_dir(self, backend: str) -> Path:
        """Scratch space of an external backend (its native config, job file and raw outputs)."""
        return self.root / "backends" / safe_name(backend)

    def create(self) -> "RunDir":
        for d in (self.configs, self.logs, self.predictions, self.reviews, self.reports):
            d.mkdir(parents=True, exist_ok=True)
        return self
