"""Canned run directories, written the way evalscope writes them (imported by the store and app tests),
and checks that they read back as evalscope's own records."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Optional

import yaml

from evalscope.report.io import write_report
from evalscope.report.schema import Category, ExecutionSummary, Metric, Report, Subset


def report(model: str, bench: str, subsets: dict[str, tuple[float, int]], backend: str = "Native",
           errored: int = 0) -> Report:
    cats = [Category(name=("default",), subsets=[Subset(name=n, score=s, num=k) for n, (s, k) in subsets.items()])]
    total = sum(k for _, k in subsets.values())
    return Report(name=f"{model}@{bench}", model_name=model, dataset_name=bench, backend=backend,
                  metrics=[Metric(name="mean_acc", categories=cats)],
                  execution=ExecutionSummary(requested=total + errored, succeeded=total, errored=errored))


def prediction(i: int, subset: str = "default", answer: str = "42", error: Optional[str] = None,
               **extra: Any) -> dict[str, Any]:
    return {"sample_id": f"s-{i}", "repeat": 0, "subset": subset, "model": "m", "input_hash": "h",
            "messages": [{"role": "user", "content": f"question {i}"}], "target": str(i),
            "output": None if error else {"content": answer, "reasoning_content": None, "usage": {"total_tokens": 3},
                                          "latency": 0.5},
            "error": error, "timestamp": 1.0, **extra}


def review(i: int, score: float, subset: str = "default", **extra: Any) -> dict[str, Any]:
    return {"sample_id": f"s-{i}", "repeat": 0, "subset": subset, "prediction_hash": "p", "prediction": "42",
            "extracted_prediction": "42", "target": str(i), "score": {"acc": score}, "scoring_hash": "x",
            "error": None, **extra}


def write_jsonl(path: Path, records: list[dict[str, Any]], tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")
    return path


def eval_run(root: Path, name: str = "20260101_120000", model: str = "m", datasets: tuple[str, ...] = ("demo_arith",),
             n: int = 4, reports: bool = True, config: Optional[dict] = None, age_s: float = 3600) -> Path:
    """A finished Native run: config, predictions, reviews (sample i right when i is even), reports."""
    run = root / name
    (run / "configs").mkdir(parents=True)
    cfg = {"model": model, "model_id": model, "datasets": list(datasets), "eval_backend": "Native",
           "api_key": "sk-abcdefghijkl", **(config or {})}
    (run / "configs" / "task_config.yaml").write_text(yaml.safe_dump(cfg))
    (run / "logs").mkdir()
    (run / "logs" / "eval_log.log").write_text("INFO run directory\n")
    for bench in datasets if n else ():
        write_jsonl(run / "predictions" / model / f"{bench}_default.jsonl", [prediction(i) for i in range(n)])
        write_jsonl(run / "reviews" / model / f"{bench}_default.jsonl",
                    [review(i, 1.0 if i % 2 == 0 else 0.0) for i in range(n)])
        if reports:
            write_report(run / "reports", report(model, bench, {"default": (0.5, n)}))
    age(run, age_s)
    return run


def age(path: Path, seconds: float) -> None:
    """Set every file's mtime ``seconds`` in the past (a run that is not running)."""
    then = time.time() - seconds
    for p in [path, *path.rglob("*")]:
        os.utime(p, (then, then))


def perf_sweep(root: Path, points: tuple[int, ...] = (1, 4), finished: bool = True) -> Path:
    sweep = root / "20260102_090000" / "mymodel"
    for p in points:
        d = sweep / f"parallel_{p}_number_10"
        d.mkdir(parents=True)
        (d / "benchmark_args.json").write_text(json.dumps({"model": "mymodel", "parallel": p, "api_key": "sk-xyz12345",
                                                           "url": "http://127.0.0.1:1/v1/chat/completions"}))
        (d / "benchmark_summary.json").write_text(json.dumps({
            "Concurrency": p, "Request Rate (req/s)": None, "Total Requests": 10, "Success Requests": 10,
            "Failed Requests": 0, "Output Throughput (tok/s)": 100.0 * p, "Avg TTFT (ms)": 10.0 + p}))
        (d / "benchmark_percentile.json").write_text(json.dumps([{"Percentiles": "50%", "TTFT (ms)": 10.0}]))
        con = sqlite3.connect(d / "benchmark_data.db")
        con.execute("CREATE TABLE result (start_time REAL, first_chunk_latency REAL, completed_time REAL, "
                    "success INTEGER, error TEXT)")
        con.executemany("INSERT INTO result VALUES (?, ?, ?, ?, ?)",
                        [(1000.0 + i * 0.1, 0.01, 1000.2 + i * 0.1, int(i != 3), "boom" if i == 3 else None)
                         for i in range(10)])
        con.commit()
        con.close()
    if finished:
        (sweep / "sweep_summary.json").write_text("[]")
    else:
        (sweep / "benchmark.log").write_text("")
    return sweep


def test_canned_records_are_evalscope_records(tmp_path):
    from evalscope.native.records import PredictionRecord, ReviewRecord, read_records
    from evalscope.report.io import read_reports

    run = eval_run(tmp_path)
    preds = list(read_records(run / "predictions" / "m" / "demo_arith_default.jsonl", PredictionRecord))
    revs = list(read_records(run / "reviews" / "m" / "demo_arith_default.jsonl", ReviewRecord))
    assert len(preds) == len(revs) == 4 and [r.score["acc"] for r in revs] == [1.0, 0.0, 1.0, 0.0]
    assert [r.dataset_name for r in read_reports(run / "reports")] == ["demo_arith"]
