"""OpenCompass's result files -> evalscope Reports (pure: stdlib ``json`` only).

OpenCompass writes, per run, ``<work_dir>/<time>/``:

- ``results/<model_abbr>/<dataset_abbr>.json``: the evaluator's scores (``{"accuracy": 75.0, ...}`` on a
  **0-100** scale, ``details`` per sample when the evaluator gives them, ``error`` when evaluation failed);
- ``predictions/<model_abbr>/<dataset_abbr>.json``: ``{"0": {"origin_prompt", "prediction", "gold"}, ...}``.

Reports are 0-1 (the file's value kept in ``extra.scores_0_100``). A dataset with no result file, an
``error`` or no number is a failure, never a score of 0: upstream OpenCompass exits 0 with empty
results when it could not reach the model or the data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from evalscope.errors import RunFailed
from evalscope.report.schema import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

NOT_SCORES = ("details", "error", "type")


def latest_run(work_dir: Path) -> Path:
    """The newest ``<time>/`` folder under OpenCompass's work dir."""
    runs = sorted(p for p in Path(work_dir).iterdir() if p.is_dir()) if Path(work_dir).is_dir() else []
    if not runs:
        raise RunFailed(f"OpenCompass: no run folder under {work_dir}; the harness produced nothing")
    return runs[-1]


def scores(data: dict[str, Any]) -> dict[str, float]:
    """The numeric scores of a result file, as written (0-100)."""
    return {k: float(v) for k, v in data.items() if k not in NOT_SCORES and isinstance(v, (int, float))
            and not isinstance(v, bool) and math.isfinite(v)}


def read_predictions(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.values() if isinstance(data, dict) else data
    return [item for item in items if isinstance(item, dict)]


def dataset_report(run: Path, model: str, dataset: str, backend: str = "OpenCompass") -> Report:
    """One Report for one model on one dataset abbr; ``RunFailed`` when there is no real score."""
    path = run / "results" / model / f"{dataset}.json"
    if not path.exists():
        raise RunFailed(f"OpenCompass: {dataset}: no result file ({path}); the dataset did not run")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("error"):
        raise RunFailed(f"OpenCompass: {dataset}: evaluation failed: {data['error']}")
    raw = scores(data)
    if not raw:
        raise RunFailed(f"OpenCompass: {dataset}: the result file {path} holds no score")
    preds = read_predictions(run / "predictions" / model / f"{dataset}.json")
    details = data.get("details")
    num = len(preds) or (len(details) if isinstance(details, (list, dict)) else 0)
    metrics = [Metric(name=name, categories=[Category(subsets=[Subset(name="default", score=value / 100.0, num=num)])])
               for name, value in raw.items()]
    return Report(
        name=f"{model}@{dataset}", model_name=model, dataset_name=dataset, dataset_pretty_name=dataset,
        backend=backend, metrics=metrics,
        execution=ExecutionSummary(requested=num, succeeded=num,
                                   subsets={"default": ExecutionSubset(requested=num, succeeded=num)}),
        extra={"tool": "OpenCompass", "scores_0_100": raw, "raw": {"results": str(path)}},
    )


def read_reports(run: Path, model: str, datasets: list[str], backend: str = "OpenCompass") -> tuple[list[Report], list[str]]:
    """Reports of every dataset abbr that has a real score, and the errors of the others."""
    reports, errors = [], []
    for dataset in datasets:
        try:
            reports.append(dataset_report(run, model, dataset, backend))
        except RunFailed as exc:
            errors.append(str(exc))
    return reports, errors


def result_datasets(run: Path, model: str) -> list[str]:
    """The dataset abbrs OpenCompass wrote results for (its abbrs differ from the config names)."""
    folder = run / "results" / model
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
