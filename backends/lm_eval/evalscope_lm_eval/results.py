"""lm-eval's output files -> evalscope Reports and per-sample records (pure: stdlib ``json`` only).

lm-eval writes, under ``<output_path>/<model>/``:

- ``results_<ts>.json``: ``results`` maps each task (and group) to ``"<metric>,<filter>"`` values and
  their ``"<metric>_stderr,<filter>"``; ``n-samples`` gives the samples each task ran, ``groups`` /
  ``group_subtasks`` the group structure, ``versions``/``n-shot``/``lm_eval_version`` the rest;
- ``samples_<task>_<ts>.jsonl``: one line per sample and filter (``doc_id``, ``target``,
  ``arguments``, ``resps``, ``filtered_resps``, ``filter``, ``metrics`` and the metric values).

One Report per requested task: a group's subsets are its leaf tasks. Metric names are lm-eval's
metric, with ``/<filter>`` unless the filter is ``none``; the stderr stays in ``extra``. Scores
are lm-eval's own (0-1 for its mean metrics).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import RunFailed
from evalscope.report.schema import Category, ExecutionSubset, ExecutionSummary, Metric, Report, Subset

SKIP_KEYS = ("alias", "name", "sample_len", "samples")


def latest_results(output_dir: Path) -> Path:
    """The newest ``results_*.json`` under ``output_dir`` (any model sub-folder)."""
    found = sorted(Path(output_dir).rglob("results_*.json"), key=lambda p: p.name)
    if not found:
        raise RunFailed(f"lm-eval: no results_*.json under {output_dir}; the evaluation did not finish")
    return found[-1]


def metric_label(key: str) -> str:
    metric, _, flt = key.partition(",")
    return metric if flt in ("", "none") else f"{metric}/{flt}"


def task_metrics(entry: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """(``{label: value}``, ``{label: stderr}``) of one task's ``results`` entry, in file order."""
    values: dict[str, float] = {}
    errors: dict[str, float] = {}
    for key, value in entry.items():
        if key in SKIP_KEYS or "," not in key or not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        metric, _, flt = key.partition(",")
        if metric.endswith("_stderr"):
            if math.isfinite(value):
                errors[metric_label(f"{metric[: -len('_stderr')]},{flt}")] = float(value)
        elif math.isfinite(value):
            values[metric_label(key)] = float(value)
    return values, errors


def leaves(name: str, group_subtasks: dict[str, list[str]]) -> list[str]:
    """The leaf tasks of ``name`` (itself when it is not a group)."""
    subs = group_subtasks.get(name)
    if not subs:
        return [name]
    out: list[str] = []
    for sub in subs:
        out.extend(leaves(sub, group_subtasks))
    return out


def n_samples(data: dict[str, Any], task: str) -> int:
    entry = (data.get("n-samples") or {}).get(task) or {}
    return int(entry.get("effective") or entry.get("original") or 0)


def task_report(data: dict[str, Any], task: str, model: str, backend: str = "lm-eval") -> Report:
    """The Report of one requested task (or group) of a ``results_<ts>.json``."""
    results = data.get("results") or {}
    subtasks = leaves(task, data.get("group_subtasks") or {})
    missing = [t for t in subtasks if t not in results]
    if missing:
        raise RunFailed(f"lm-eval: {task}: no results for {', '.join(missing)}")
    per_task = {t: task_metrics(results[t]) for t in subtasks}
    labels: list[str] = []
    for values, _ in per_task.values():
        labels += [label for label in values if label not in labels]
    if not labels:
        raise RunFailed(f"lm-eval: {task}: the results hold no metric value")
    metrics = []
    for label in labels:
        subsets = [Subset(name=t if len(subtasks) > 1 else "default", score=per_task[t][0].get(label),
                          num=n_samples(data, t)) for t in subtasks if label in per_task[t][0]]
        metrics.append(Metric(name=label, categories=[Category(name=("default",), subsets=subsets)]))
    requested = sum(n_samples(data, t) for t in subtasks)
    execution = ExecutionSummary(
        requested=requested, succeeded=requested,
        subsets={(t if len(subtasks) > 1 else "default"): ExecutionSubset(requested=n_samples(data, t),
                                                                           succeeded=n_samples(data, t))
                 for t in subtasks})
    extra = {
        "tool": "lm-eval", "lm_eval_version": data.get("lm_eval_version"),
        "stderr": {t: per_task[t][1] for t in subtasks},
        "versions": {t: (data.get("versions") or {}).get(t) for t in subtasks},
        "n_shot": {t: (data.get("n-shot") or {}).get(t) for t in subtasks},
    }
    if task in (data.get("groups") or {}):
        extra["group_results"] = task_metrics(data["groups"][task])[0]
    return Report(name=f"{model}@{task}", model_name=model, dataset_name=task, dataset_pretty_name=task,
                  backend=backend, metrics=metrics, execution=execution, extra=extra)


def read_reports(results_file: Path, tasks: list[str], model: str, backend: str = "lm-eval") -> list[Report]:
    data = json.loads(Path(results_file).read_text(encoding="utf-8"))
    return [task_report(data, task, model, backend) for task in tasks]


def samples_file(results_file: Path, task: str) -> Optional[Path]:
    """``samples_<task>_<ts>.jsonl`` written with ``results_<ts>.json``."""
    stamp = Path(results_file).stem[len("results_"):]
    path = Path(results_file).parent / f"samples_{task}_{stamp}.jsonl"
    return path if path.exists() else None


def read_samples(path: Path) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows
