"""VLMEvalKit's result files -> evalscope Reports (pure: stdlib ``csv``, no ``vlmeval``, no pandas).

The harness runs VLMEvalKit with ``PRED_FORMAT=tsv`` and ``EVAL_FORMAT=csv``, so that per model and
dataset it leaves, in ``<work_dir>/<model>/``:

- ``<model>_<dataset>.tsv``: the predictions (``index``, ``question``, ``answer``, ``prediction``,
  and ``category``/``split`` when the data has them);
- ``<model>_<dataset>_acc.csv``: the scores. VQA datasets (DocVQA: ANLS) write one row whose columns
  are the splits (or ``Overall`` and the categories) on a **0-100** scale; multiple-choice datasets
  (RealWorldQA) write one row per split (a ``split`` column), ``Overall`` and one column per category,
  on a **0-1** scale. Reports are always 0-1.

A dataset whose predictions are all VLMEvalKit's failure text, or that has no score file, is a
failure (``RunFailed`` naming the dataset), never a score of 0. With ``mode: infer`` (answers only)
each dataset's Report has no metric, and its ``execution`` counts the answers.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import RunFailed
from evalscope.report.schema import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

FAIL_MSG = "Failed to obtain answer"
"""The start of every answer VLMEvalKit gives up on (``... via API.``)."""
VQA_PERCENT = ("DocVQA", "InfoVQA", "ChartQA", "TextVQA", "OCRVQA", "GQA", "OCRBench")
"""Dataset families whose score files are 0-100 (VLMEvalKit's ``ImageVQADataset`` multiplies by 100)."""


def pred_path(work_dir: Path, model: str, dataset: str) -> Path:
    return Path(work_dir) / model / f"{model}_{dataset}.tsv"


def acc_path(work_dir: Path, model: str, dataset: str) -> Path:
    return Path(work_dir) / model / f"{model}_{dataset}_acc.csv"


def read_table(path: Path, delimiter: str) -> list[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # base64 images can sit in prediction rows
    with open(path, encoding="utf-8", newline="") as f:
        return [dict(row) for row in csv.DictReader(f, delimiter=delimiter)]


def _number(text: Any) -> Optional[float]:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def is_percent(dataset: str) -> bool:
    return any(dataset.startswith(family) for family in VQA_PERCENT)


def metric_name(dataset: str) -> str:
    if dataset.startswith(("DocVQA", "InfoVQA")):
        return "anls"
    return "relaxed_acc" if dataset.startswith("ChartQA") else "acc"


def score_columns(rows: list[dict[str, str]], dataset: str) -> dict[str, float]:
    """``{column or split/column: score in 0-1}`` from the rows of an ``_acc.csv``."""
    scale = 100.0 if is_percent(dataset) else 1.0
    out: dict[str, float] = {}
    for row in rows:
        split = (row.get("split") or "").strip()
        for column, text in row.items():
            if column in ("split", "") or column is None:
                continue
            value = _number(text)
            if value is not None:
                out[f"{split}/{column}" if split and len(rows) > 1 else column] = value / scale
    return out


def count_predictions(rows: list[dict[str, str]]) -> tuple[int, int, dict[str, int]]:
    """(samples, failed answers, samples per category)."""
    failed = sum(1 for r in rows if (r.get("prediction") or "").strip().startswith(FAIL_MSG))
    per_category: dict[str, int] = {}
    for r in rows:
        cat = (r.get("category") or "").strip()
        if cat:
            per_category[cat] = per_category.get(cat, 0) + 1
    return len(rows), failed, per_category


def status_reason(work_dir: Path, model: str, dataset: str) -> str:
    """What VLMEvalKit's ``status.json`` says about a dataset that failed or was skipped ('' if nothing)."""
    import json

    try:
        entry = json.loads((Path(work_dir) / model / "status.json").read_text(encoding="utf-8"))["datasets"][dataset]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    reason = entry.get("error_message") or entry.get("skip_reason")
    if reason and str(reason).startswith("OPENAI API is not working properly"):
        return ("; the judge (judge_model_args, or OPENAI_API_BASE/LOCAL_LLM) did not answer VLMEvalKit's check, "
                "so nothing was scored (VLMEvalKit would silently fall back to exact matching; give "
                "judge: exact_matching for that)")
    return f"; VLMEvalKit says: {reason}" if reason else ""


def dataset_report(work_dir: Path, model: str, dataset: str, backend: str = "VLMEvalKit") -> Report:
    """One Report for one model on one dataset; ``RunFailed`` when the dataset has no real score."""
    preds = pred_path(work_dir, model, dataset)
    if not preds.exists():
        raise RunFailed(f"VLMEvalKit: {dataset}: no predictions ({preds}); the dataset did not run"
                        + status_reason(work_dir, model, dataset))
    rows = read_table(preds, "\t")
    total, failed, per_category = count_predictions(rows)
    if total == 0 or failed == total:
        raise RunFailed(f"VLMEvalKit: {dataset}: every one of the {total} answers failed "
                        f"({FAIL_MSG!r}); is the server up and reachable (proxy settings)?")
    acc = acc_path(work_dir, model, dataset)
    if not acc.exists():
        raise RunFailed(f"VLMEvalKit: {dataset}: no score file ({acc}); the evaluation step did not finish"
                        + status_reason(work_dir, model, dataset))
    acc_rows = read_table(acc, ",")
    scores = score_columns(acc_rows, dataset)
    if not scores:
        raise RunFailed(f"VLMEvalKit: {dataset}: the score file {acc} holds no number")
    overall = scores.get("Overall")
    categories = {c: scores[c] for c in per_category if c in scores}
    scored = total - failed
    if categories:  # subsets are the categories, weighted by their sample counts
        subsets = [Subset(name=c, score=v, num=per_category[c]) for c, v in categories.items()]
    elif overall is not None:
        subsets = [Subset(name="default", score=overall, num=scored)]
    else:  # VQA: one column per split, weighted by the split's sample count
        per_split: dict[str, int] = {}
        for r in rows:
            per_split[(r.get("split") or "").strip()] = per_split.get((r.get("split") or "").strip(), 0) + 1
        subsets = [Subset(name=name, score=v, num=per_split.get(name) or max(1, scored // len(scores)))
                   for name, v in scores.items()]
    metric = Metric(name=metric_name(dataset), categories=[Category(name=("default",), subsets=subsets)])
    execution = ExecutionSummary(
        requested=total, succeeded=scored, errored=failed,
        subsets={s.name: ExecutionSubset(requested=s.num, succeeded=s.num) for s in subsets},
    )
    return Report(
        name=f"{model}@{dataset}", model_name=model, dataset_name=dataset, dataset_pretty_name=dataset,
        backend=backend, metrics=[metric], execution=execution,
        extra={"tool": "VLMEvalKit", "scores": scores, "scale": "0-1 (VLMEvalKit's file: "
               + ("0-100" if is_percent(dataset) else "0-1") + ")", "failed_answers": failed,
               "raw": {"predictions": str(preds), "scores": str(acc)}},
    )


def infer_report(work_dir: Path, model: str, dataset: str, backend: str = "VLMEvalKit") -> Report:
    """``mode: infer``: a Report without metrics (nothing was scored, by request) whose ``execution``
    counts the answers; ``RunFailed`` when the dataset has no predictions or every answer failed."""
    preds = pred_path(work_dir, model, dataset)
    if not preds.exists():
        raise RunFailed(f"VLMEvalKit: {dataset}: no predictions ({preds}); the dataset did not run"
                        + status_reason(work_dir, model, dataset))
    rows = read_table(preds, "\t")
    total, failed, per_category = count_predictions(rows)
    if total == 0 or failed == total:
        raise RunFailed(f"VLMEvalKit: {dataset}: every one of the {total} answers failed "
                        f"({FAIL_MSG!r}); is the server up and reachable (proxy settings)?")
    failed_in: dict[str, int] = {}
    for r in rows:
        if (r.get("prediction") or "").strip().startswith(FAIL_MSG):
            cat = (r.get("category") or "").strip() or "default"
            failed_in[cat] = failed_in.get(cat, 0) + 1
    counts = per_category or {"default": total}
    execution = ExecutionSummary(
        requested=total, succeeded=total - failed, errored=failed,
        subsets={c: ExecutionSubset(requested=n, succeeded=n - failed_in.get(c, 0), errored=failed_in.get(c, 0))
                 for c, n in counts.items()},
    )
    return Report(
        name=f"{model}@{dataset}", model_name=model, dataset_name=dataset, dataset_pretty_name=dataset,
        backend=backend, metrics=[], execution=execution,
        extra={"tool": "VLMEvalKit", "mode": "infer", "answered": total - failed, "failed_answers": failed,
               "raw": {"predictions": str(preds)}},
    )


def read_reports(work_dir: Path, models: list[str], datasets: list[str], backend: str = "VLMEvalKit",
                 mode: str = "all") -> tuple[list[Report], list[str]]:
    """Reports of every (model, dataset) that has a real score (``mode: infer``: real answers), and
    the errors of the others."""
    build = infer_report if mode == "infer" else dataset_report
    reports, errors = [], []
    for model in models:
        for dataset in datasets:
            try:
                reports.append(build(work_dir, model, dataset, backend))
            except RunFailed as exc:
                errors.append(str(exc))
    return reports, errors
