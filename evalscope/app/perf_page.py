"""The perf sweep page: throughput and latency against concurrency or rate, percentiles, request timelines."""

from __future__ import annotations

from typing import Any, Optional

from evalscope.app.layout import badge, chart, notes, page, url
from evalscope.report.render import esc, fmt, table
from evalscope.report.store import PerfPoint, RunStore

SUMMARY_KEYS = ("Total Requests", "Failed Requests", "Req Throughput (req/s)", "Output Throughput (tok/s)",
                "Avg Latency (s)", "Avg TTFT (ms)", "Avg TPOT (ms)", "Avg ITL (ms)")
PERCENTILE_KEYS = ("TTFT (ms)", "ITL (ms)", "TPOT (ms)", "Latency (s)")


def _axis(points: list[PerfPoint]) -> tuple[str, list[Any]]:
    if points and all(p.rate is not None for p in points):
        return "Request rate (req/s)", [p.rate for p in points]
    return "Concurrency", [p.parallel for p in points]


def _line(points: list[PerfPoint], keys: tuple[str, ...], title: str) -> dict[str, Any]:
    label, xs = _axis(points)
    data = [{"type": "scatter", "mode": "lines+markers", "name": k, "x": xs, "y": [p.summary.get(k) for p in points]}
            for k in keys]
    return {"data": data, "layout": {"title": {"text": title}, "xaxis": {"title": {"text": label}}}}


def _percentiles(points: list[PerfPoint], key: str) -> dict[str, Any]:
    data = []
    for p in points:
        rows = [r for r in p.percentiles if r.get(key) is not None and str(r.get("Percentiles", "")).endswith("%")]
        data.append({"type": "scatter", "mode": "lines+markers", "name": p.name,
                     "x": [r["Percentiles"] for r in rows], "y": [r[key] for r in rows]})
    return {"data": data, "layout": {"title": {"text": f"{key} percentiles"}}}


def _timeline(requests: list) -> dict[str, Any]:
    ok = [r for r in requests if r.success]
    bad = [r for r in requests if not r.success]
    data = []
    for name, rs, color in (("ok", ok, "#1f77b4"), ("failed", bad, "#d62728")):
        data.append({"type": "bar", "orientation": "h", "name": name, "marker": {"color": color},
                     "base": [r.start for r in rs], "x": [(r.end or r.start) - r.start for r in rs],
                     "y": [requests.index(r) for r in rs], "hovertext": [r.error or "" for r in rs]})
    first = [r for r in requests if r.first_chunk is not None]
    data.append({"type": "scatter", "mode": "markers", "name": "first chunk", "marker": {"size": 4, "color": "#000"},
                 "x": [r.first_chunk for r in first], "y": [requests.index(r) for r in first]})
    return {"data": data, "layout": {"title": {"text": "Requests over time (s since the first send)"},
                                     "barmode": "overlay", "yaxis": {"title": {"text": "request"}}}}


def perf_page(store: RunStore, run_id: str, point: Optional[str] = None) -> str:
    info = store.run(run_id)
    points, read_notes = store.perf_points(run_id)
    done = [p for p in points if p.summary]
    head = [f"<p>{badge(info.status)} model {esc(', '.join(info.models))} · <code>{esc(info.path)}</code></p>",
            notes(info.notes or read_notes)]
    rows = [[f'<a href="{url("/perf", id=run_id, point=p.name)}">{esc(p.name)}</a>', esc(p.parallel), esc(p.rate)]
            + [fmt(p.summary.get(k), 2) for k in SUMMARY_KEYS] for p in points]
    body = head + ["<h2>Sweep</h2>", table(["Run", "Concurrency", "Rate"] + list(SUMMARY_KEYS), rows, "sweep")]
    if done:
        body.append('<div class="grid">' + chart(_line(done, ("Output Throughput (tok/s)",), "Throughput"))
                    + chart(_line(done, ("Avg TTFT (ms)", "Avg TPOT (ms)", "Avg ITL (ms)"), "Latency (ms)"))
                    + "".join(chart(_percentiles(done, k)) for k in PERCENTILE_KEYS) + "</div>")
    chosen = next((p for p in points if p.name == point), None)
    if chosen is not None:
        requests, total = store.perf_requests(run_id, chosen.name, limit=2000)
        shown = f" (first {len(requests)} of {total})" if total > len(requests) else ""
        body += [f"<h2>{esc(chosen.name)}: requests{shown}</h2>", chart(_timeline(requests), 480) if requests
                 else "<p>No request records.</p>"]
        pct = [[esc(r.get("Percentiles"))] + [fmt(r.get(k), 3) for k in PERCENTILE_KEYS] for r in chosen.percentiles]
        body.append(table(["Percentile", *PERCENTILE_KEYS], pct, "percentiles"))
    return page(f"Perf: {info.name}", "".join(body), [("/", "Runs")], charts=True)
