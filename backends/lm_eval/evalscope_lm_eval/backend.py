"""``LMEvalBackend``: the three steps of evalscope's ExternalBackend contract for lm-eval.

- ``translate``: eval_config + the unified flags -> the native config (``evalscope_lm_eval.translate``);
- ``run_native``: lm-eval's ``simple_evaluate`` on it (``evalscope_lm_eval.harness``, the only module
  that imports ``lm_eval``);
- ``to_reports``: ``results_<ts>.json`` -> Reports, ``samples_<task>_<ts>.jsonl`` -> the run's
  ``predictions/`` and ``reviews/`` (``evalscope_lm_eval.results``, ``evalscope_lm_eval.records``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalscope_lm_eval.translate import NAME

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)


class LMEvalBackend:
    name = NAME
    harness = "lm-eval"

    def translate(self, task: "TaskConfig", run_dir: "RunDir") -> dict[str, Any]:
        from evalscope_lm_eval.translate import translate

        return translate(task, run_dir.backend_dir(NAME))

    def run_native(self, native_config: dict[str, Any], work_dir: Path) -> None:
        from evalscope_lm_eval.harness import run

        run(native_config)

    def to_reports(self, native_config: dict[str, Any], work_dir: Path, model_name: str) -> list["Report"]:
        from evalscope.run_dir import RunDir
        from evalscope_lm_eval.results import latest_results, read_reports

        results_file = latest_results(Path(native_config["output_path"]))
        model = native_config.get("model_name") or model_name
        reports = read_reports(results_file, native_config["tasks"], model, NAME)
        write_records(RunDir(Path(work_dir).parents[1]), results_file, reports, model)
        return reports


def write_records(run_dir: "RunDir", results_file: Path, reports: list["Report"], model: str) -> None:
    """Each leaf task's samples as the run's prediction and review records."""
    from evalscope.backend.records import write_records as write_subset_records
    from evalscope_lm_eval.records import to_records
    from evalscope_lm_eval.results import read_samples, samples_file

    for report in reports:
        subsets = [s.name for m in report.metrics[:1] for c in m.categories for s in c.subsets]
        pairs = [(report.dataset_name, "default")] if subsets == ["default"] else [(s, s) for s in subsets]
        for leaf, subset in pairs:
            path = samples_file(results_file, leaf)
            if path is None:
                logger.warning("lm-eval: no samples file for %s next to %s", leaf, results_file)
                continue
            predictions, reviews = to_records(read_samples(path), leaf, model, subset)
            write_subset_records(run_dir, model, report.dataset_name, subset, predictions, reviews)
