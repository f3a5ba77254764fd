"""A self-contained HTML report of a sweep (inline SVG and CSS; opens offline, no scripts)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from evalscope.perf.metrics import PERCENTILES
from evalscope.perf.summary import BenchmarkSummary
from evalscope.perf.svg import line_chart
from evalscope.perf.tables import SUMMARY_KEYS, fmt

CSS = """body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px;margin:8px 0}.grid{display:flex;flex-wrap:wrap;gap:12px}
pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}"""


def _table(headers, rows) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _sweep_axis(summaries: list[BenchmarkSummary]) -> tuple[str, list]:
    """The sweep's x axis: the request rate in a rate sweep, else the concurrency."""
    rates = [s.request_rate for s in summaries]
    if all(r is not None for r in rates) and len(set(rates)) > 1:
        return "rate (req/s)", rates
    parallel = [s.concurrency for s in summaries]
    if all(p is not None for p in parallel) and len(set(parallel)) > 1:
        return "concurrency", parallel
    return "run", list(range(1, len(summaries) + 1))


def _sweep_charts(summaries: list[BenchmarkSummary]) -> list[str]:
    axis, xs = _sweep_axis(summaries)
    def series(fn):
        return [(x, fn(s)) for x, s in zip(xs, summaries)]
    def pct(name, key):
        return lambda s: s.distributions[name].percentiles.get(key) if name in s.distributions else None
    charts = [
        line_chart("Request throughput", {"req/s": series(lambda s: s.request_throughput)}, axis, "req/s"),
        line_chart("Latency", {"mean": series(lambda s: s.avg_latency), "p99": series(pct("Latency (s)", "p99"))},
                   axis, "s"),
    ]
    if any(s.avg_ttft is not None for s in summaries):
        charts.append(line_chart("TTFT", {"mean": series(lambda s: s.avg_ttft), "p99": series(pct("TTFT (ms)", "p99"))},
                                 axis, "ms"))
        charts.append(line_chart("Output token throughput", {"tok/s": series(lambda s: s.output_throughput)},
                                 axis, "tok/s"))
    return charts


def _percentile_chart(summaries: list[BenchmarkSummary], metric: str, unit: str) -> str:
    series = {}
    for s in summaries:
        d = s.distributions.get(metric)
        if d is not None and d.count:
            series[s.run_label] = [(float(p), d.percentiles.get(f"p{p}")) for p in PERCENTILES]
    return line_chart(f"{metric} by percentile", series, "percentile", unit)


def write_report(root: Path, args, summaries: list[BenchmarkSummary]) -> Path:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>evalscope perf</title><style>{CSS}</style>"
             f"</head><body><h1>evalscope perf report</h1><p>{escape(args.safe_url)} · model "
             f"{escape(str(args.model))} · dataset {escape(args.dataset)} · stream {args.stream}</p>"]
    for s in summaries:
        for w in s.warnings:
            parts.append(f"<div class='warn'>{escape(s.run_label)}: {escape(w)}</div>")
    rows = []
    for key in SUMMARY_KEYS:
        values = [s.to_json().get(key) for s in summaries]
        if any(v is not None for v in values):
            rows.append([key] + [fmt(v) for v in values])
    parts.append("<h2>Summary</h2>" + _table(["Metric"] + [s.run_label for s in summaries], rows))
    charts = _sweep_charts(summaries) if len(summaries) > 1 else []
    charts += [_percentile_chart(summaries, "Latency (s)", "s")]
    if any(s.avg_ttft is not None for s in summaries):
        charts += [_percentile_chart(summaries, "TTFT (ms)", "ms"), _percentile_chart(summaries, "ITL (ms)", "ms")]
    parts.append("<h2>Charts</h2><div class='grid'>" + "".join(charts) + "</div>")
    for s in summaries:
        names = list(s.distributions)
        prow = [[n, s.distributions[n].count, fmt(s.distributions[n].mean)] +
                [fmt(s.distributions[n].percentiles.get(f"p{p}")) for p in (50, 90, 99)] + [fmt(s.distributions[n].max)]
                for n in names]
        parts.append(f"<h2>{escape(s.run_label)}: distributions</h2>" +
                     _table(["Metric", "n", "mean", "p50", "p90", "p99", "max"], prow))
        if s.self_check is not None:
            parts.append("<h3>Client self-check</h3><pre>" + escape(json.dumps(s.self_check.model_dump(), indent=1)) + "</pre>")
    parts.append("<h2>Arguments</h2><pre>" + escape(json.dumps(args.masked_dump(), indent=1)) + "</pre></body></html>")
    path = root / "perf_report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
    return path
