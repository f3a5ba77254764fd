"""MTEB results -> evalscope Reports (pure: no mteb import).

The runner saves one raw file per model and task, ``<output_folder>/<model>/<task>.json``:

```json
{"task_name": "STSBenchmark", "task_type": "STS", "main_score": "cosine_spearman",
 "mteb_version": "2.26.24", "evaluation_time": 12.3,
 "scores": {"test": [{"hf_subset": "default", "languages": ["eng-Latn"], "main_score": 0.82, ...}]},
 "num_samples": {"test": {"default": 1379}}}
```

``scores`` is MTEB's own ``TaskResult.scores`` verbatim. Each becomes one Report: the first
metric is ``main_score`` (named after the task's main metric in ``extra``), then every other
numeric sub-score; each metric has one subset per split (``<split>`` or ``<split>/<hf_subset>``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from evalscope.report.io import safe_name
from evalscope.report.schema import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

SKIP_KEYS = {"hf_subset", "languages", "main_score"}


def raw_path(output_folder: Path, model_name: str, task_name: str) -> Path:
    return Path(output_folder) / safe_name(model_name) / f"{safe_name(task_name)}.json"


def write_raw(output_folder: Path, model_name: str, raw: dict[str, Any]) -> Path:
    path = raw_path(output_folder, model_name, raw["task_name"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw, indent=2, ensure_ascii=False, default=float), encoding="utf-8")
    return path


def subset_name(split: str, hf_subset: str) -> str:
    return split if hf_subset in ("default", "", None) else f"{split}/{hf_subset}"


def _numeric(value: Any) -> bool:
    """A finite number (MTEB reports NaN for undefined sub-scores, e.g. nAUC on tiny data)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _finite(value: Any) -> Any:
    """``value`` with NaN/inf replaced by ``None`` (reports are strict JSON)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def raw_to_report(raw: dict[str, Any], model_name: str, backend: str = "RAGEval") -> Report:
    """One Report for one model on one MTEB task."""
    rows: list[tuple[str, dict[str, Any], int]] = []
    counts = raw.get("num_samples", {})
    for split, entries in raw["scores"].items():
        for entry in entries:
            hf_subset = entry.get("hf_subset", "default")
            num = int(counts.get(split, {}).get(hf_subset, 0)) or 1
            rows.append((subset_name(split, hf_subset), entry, num))
    metric_names = ["main_score"]
    for _, entry, _ in rows:
        for key, value in entry.items():
            if key not in SKIP_KEYS and _numeric(value) and key not in metric_names:
                metric_names.append(key)
    metrics = []
    for name in metric_names:
        subsets = [Subset(name=sub, score=float(entry[name]), num=num)
                   for sub, entry, num in rows if _numeric(entry.get(name))]
        if subsets:
            metrics.append(Metric(name=name, categories=[Category(name=("default",), subsets=subsets)]))
    execution = ExecutionSummary(
        requested=sum(n for _, _, n in rows),
        succeeded=sum(n for _, _, n in rows),
        subsets={sub: ExecutionSubset(requested=n, succeeded=n) for sub, _, n in rows},
    )
    task = raw["task_name"]
    return Report(
        name=f"{model_name}@{task}",
        model_name=model_name,
        dataset_name=task,
        dataset_pretty_name=task,
        backend=backend,
        metrics=metrics,
        execution=execution,
        extra={
            "tool": "MTEB",
            "task_type": raw.get("task_type"),
            "main_score_name": raw.get("main_score"),
            "mteb_version": raw.get("mteb_version"),
            "evaluation_time": raw.get("evaluation_time"),
            "scores": _finite(raw["scores"]),
        },
    )


def read_raw_reports(output_folder: Path, plan: list[tuple[str, str]], backend: str = "RAGEval") -> list[Report]:
    """Reports of the planned ``(model, task)`` pairs whose raw file exists."""
    reports = []
    for model_name, task_name in plan:
        path = raw_path(output_folder, model_name, task_name)
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            reports.append(raw_to_report(raw, model_name, backend))
    return reports
