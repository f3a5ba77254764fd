"""``VLMEvalKitBackend``: the three steps of evalscope's ExternalBackend contract for VLMEvalKit.

- ``translate``: eval_config + the unified flags -> the native config (``evalscope_vlmevalkit.translate``);
- ``run_native``: VLMEvalKit's own run on it (``evalscope_vlmevalkit.harness``, the only module that
  imports ``vlmeval``);
- ``to_reports``: its files -> Reports (``evalscope_vlmevalkit.results``). A dataset without a real
  score fails the job, after the reports of the datasets that did score are written. ``mode: infer``
  gives Reports without metrics (the answers are in ``predictions/``; their ``execution`` counts them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalscope.errors import RunFailed
from evalscope_vlmevalkit.translate import NAME

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)


class VLMEvalKitBackend:
    name = NAME
    harness = "ms-vlmeval"
    """The harness's distribution: reports carry its version (``ms-vlmeval 0.0.20``)."""

    def translate(self, task: "TaskConfig", run_dir: "RunDir") -> dict[str, Any]:
        from evalscope_vlmevalkit.translate import translate

        return translate(task, run_dir.backend_dir(NAME))

    def run_native(self, native_config: dict[str, Any], work_dir: Path) -> None:
        from evalscope_vlmevalkit.harness import run

        run(native_config)

    def to_reports(self, native_config: dict[str, Any], work_dir: Path, model_name: str) -> list["Report"]:
        from evalscope.report.io import write_report
        from evalscope.run_dir import RunDir
        from evalscope_vlmevalkit.results import read_reports
        from evalscope_vlmevalkit.samples import write_samples

        models = [m["name"] for m in native_config["models"]]
        out = Path(native_config["work_dir"])
        run_root = Path(work_dir).parents[1]
        for model in models:
            for dataset in native_config["data"]:
                write_samples(run_root, out, model, dataset, reviews=native_config.get("mode") != "infer")
        reports, errors = read_reports(out, models, native_config["data"], NAME, native_config.get("mode", "all"))
        if errors:
            run_dir = RunDir(run_root)
            for report in reports:  # the datasets that did score keep their reports
                write_report(run_dir.reports, report)
            raise RunFailed("; ".join(errors))
        return reports
