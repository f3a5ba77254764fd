"""``OpenCompassBackend``: the three steps of evalscope's ExternalBackend contract for OpenCompass.

- ``translate``: eval_config + the unified flags -> the native config (``evalscope_opencompass.translate``);
- ``run_native``: ``run_task(Arguments(...))`` on it (``evalscope_opencompass.harness``, the only module
  that imports ``opencompass``);
- ``to_reports``: ``results/<model>/<abbr>.json`` -> Reports (``evalscope_opencompass.results``), the
  per-sample predictions and eval details -> the run's ``predictions/`` and ``reviews/``
  (``evalscope_opencompass.records``). A requested dataset without a real score fails the job.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalscope_opencompass.translate import NAME

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)


class OpenCompassBackend:
    name = NAME
    harness = "ms-opencompass"

    def translate(self, task: "TaskConfig", run_dir: "RunDir") -> dict[str, Any]:
        from evalscope_opencompass.translate import translate

        return translate(task, run_dir.backend_dir(NAME))

    def run_native(self, native_config: dict[str, Any], work_dir: Path) -> None:
        from evalscope_opencompass.harness import run

        run(native_config)

    def to_reports(self, native_config: dict[str, Any], work_dir: Path, model_name: str) -> list["Report"]:
        from evalscope.errors import RunFailed
        from evalscope.run_dir import RunDir
        from evalscope_opencompass.results import collect_reports, latest_run

        plan_file = Path(native_config["scratch_dir"]) / "plan.json"
        if not plan_file.exists():
            raise RunFailed(f"OpenCompass: the run did not start ({plan_file} is missing)")
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
        run = latest_run(Path(native_config["work_dir"]))
        models = [m["abbr"] for m in native_config["models"]]
        configs = {d["name"]: d.get("config") for d in native_config["datasets"]}
        reports, errors = collect_reports(run, models, plan, configs)
        if errors and (not reports or not native_config.get("ignore_errors")):
            more = "" if reports else " (nothing was scored)"
            raise RunFailed(f"OpenCompass: {len(errors)} dataset run(s) produced no score{more}; everything it "
                            f"wrote is in {run}:\n  " + "\n  ".join(errors))
        for error in errors:
            logger.warning("ignored (--ignore-errors): %s", error)
        write_all_records(RunDir(Path(native_config["run_dir"])), run, reports, plan)
        return reports


def write_all_records(run_dir: "RunDir", run: Path, reports: list["Report"], plan: dict[str, dict[str, int]]) -> None:
    """Each report's samples (per dataset abbr) as the run's prediction and review records."""
    from evalscope.backend.records import write_records
    from evalscope_opencompass.records import to_records
    from evalscope_opencompass.results import details, read_predictions, read_result

    for report in reports:
        abbrs = list(plan[report.dataset_name])
        metric = report.metrics[0].name
        for abbr in abbrs:
            subset = "default" if len(abbrs) == 1 else abbr
            rows = read_predictions(run, report.model_name, abbr)
            preds, reviews = to_records(rows, details(read_result(run, report.model_name, abbr)),
                                        report.model_name, subset, metric, abbr)
            write_records(run_dir, report.model_name, report.dataset_name, subset, preds, reviews)
