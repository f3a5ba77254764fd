"""OpenCompass's result files -> evalscope Reports (pure: stdlib ``json`` only).

OpenCompass writes, per run, ``<work_dir>/<time>/``:

- ``results/<model_abbr>/<dataset_abbr>.json``: the evaluator's scores (``{"accuracy": 75.0, ...}`` on a
  **0-100** scale, ``details`` per sample with ``--dump-eval-details``, ``error`` when evaluation failed);
- ``predictions/<model_abbr>/<dataset_abbr>.json``: ``{"0": {"origin_prompt", "prediction", "gold"}, ...}``
  (``<dataset_abbr>_0.json``, ``_1.json``, ... when a task was split);
- ``logs/{infer,eval}/<model_abbr>/<dataset_abbr>.out``: each task's output.

One Report per model and requested dataset (``ARC_c``); a dataset config with several abbrs (mmlu's 57
subjects) makes one subset per abbr. Reports are 0-1 (the file's values kept in
``extra.scores_0_100``). A dataset abbr with no result file, an ``error`` or no number is a failure,
never a score of 0: upstream OpenCompass exits 0 with empty results when it could not reach the model
or the data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import RunFailed
from evalscope.report.schema import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

NOT_SCORES = ("details", "error", "type")
LOG_TAIL = 8


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


def _split_index(path: Path, abbr: str) -> int:
    tail = path.stem[len(abbr) + 1:]
    return int(tail) if tail.isdigit() else -1


def read_predictions(run: Path, model: str, abbr: str) -> list[dict[str, Any]]:
    """The predictions of one dataset abbr in sample order (split files joined)."""
    folder = run / "predictions" / model
    whole = folder / f"{abbr}.json"
    parts = [whole] if whole.exists() else sorted(
        (p for p in folder.glob(f"{abbr}_*.json") if _split_index(p, abbr) >= 0), key=lambda p: _split_index(p, abbr))
    rows: list[dict[str, Any]] = []
    for part in parts:
        data = json.loads(part.read_text(encoding="utf-8"))
        items = [data[k] for k in sorted(data, key=lambda k: int(k) if str(k).isdigit() else 0)] \
            if isinstance(data, dict) else data
        rows += [item for item in items if isinstance(item, dict)]
    return rows


def read_result(run: Path, model: str, abbr: str) -> dict[str, Any]:
    """One abbr's result file; ``RunFailed`` (naming the task's log) when there is no real score."""
    path = run / "results" / model / f"{abbr}.json"
    if not path.exists():
        raise RunFailed(f"OpenCompass: {abbr}: no result file ({path}); the dataset did not run{log_hint(run, model, abbr)}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("error"):
        raise RunFailed(f"OpenCompass: {abbr}: evaluation failed: {data['error']}{log_hint(run, model, abbr)}")
    if not scores(data):
        raise RunFailed(f"OpenCompass: {abbr}: the result file {path} holds no score{log_hint(run, model, abbr)}")
    return data


def log_hint(run: Path, model: str, abbr: str) -> str:
    """The last lines of the task logs OpenCompass kept for ``abbr`` (where it says why it failed)."""
    out = []
    for stage in ("infer", "eval"):
        log = run / "logs" / stage / model / f"{abbr}.out"
        if log.exists():
            lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
            tail = "\n".join("      " + ln for ln in lines[-LOG_TAIL:])
            out.append(f"\n    {stage} log {log}:\n{tail}")
    return "".join(out)


def details(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-sample details of a result file (``--dump-eval-details``) in sample order."""
    raw = data.get("details")
    if isinstance(raw, dict):
        keys = sorted((k for k in raw if str(k).isdigit()), key=int)
        return [raw[k] for k in keys if isinstance(raw[k], dict)]
    return [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []


def model_dataset_report(run: Path, model: str, name: str, plan: dict[str, int],
                         config: Optional[str] = None) -> Report:
    """The Report of one model on one requested dataset, whose abbrs and sample counts are ``plan``."""
    abbrs = list(plan)
    results = {abbr: read_result(run, model, abbr) for abbr in abbrs}
    counts = {abbr: len(read_predictions(run, model, abbr)) or len(details(results[abbr])) for abbr in abbrs}
    raw = {abbr: scores(results[abbr]) for abbr in abbrs}
    labels: list[str] = []
    for values in raw.values():
        labels += [m for m in values if m not in labels]
    single = len(abbrs) == 1

    def subset_name(abbr: str) -> str:
        return "default" if single else abbr

    metrics = []
    for label in labels:
        subsets = [Subset(name=subset_name(a), score=raw[a][label] / 100.0, num=counts[a]) for a in abbrs
                   if label in raw[a]]
        metrics.append(Metric(name=label, categories=[Category(subsets=subsets)]))
    execution = ExecutionSummary(
        requested=sum(plan.values()), succeeded=sum(counts.values()),
        subsets={subset_name(a): ExecutionSubset(requested=plan[a], succeeded=counts[a]) for a in abbrs})
    extra = {"tool": "OpenCompass", "config": config, "abbrs": abbrs, "scale": "0-100 in OpenCompass's files",
             "scores_0_100": raw[abbrs[0]] if single else raw, "run": str(run)}
    return Report(name=f"{model}@{name}", model_name=model, dataset_name=name,
                  dataset_pretty_name=abbrs[0] if single else name, backend="OpenCompass", metrics=metrics,
                  execution=execution, extra=extra)


def collect_reports(run: Path, models: list[str], plan: dict[str, dict[str, int]],
                    configs: Optional[dict[str, Optional[str]]] = None) -> tuple[list[Report], list[str]]:
    """Reports of every (model, requested dataset) with real scores, and the errors of the others."""
    reports, errors = [], []
    for model in models:
        for name, abbrs in plan.items():
            try:
                reports.append(model_dataset_report(run, model, name, abbrs, (configs or {}).get(name)))
            except RunFailed as exc:
                errors.append(f"{model} on {name}: {exc}")
    return reports, errors


def result_datasets(run: Path, model: str) -> list[str]:
    """The dataset abbrs OpenCompass wrote results for (its abbrs differ from the config names)."""
    folder = run / "results" / model
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

