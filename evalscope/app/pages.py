"""The runs list and the run page (pure: store + query in, HTML out)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Optional

from evalscope.app.layout import badge, chart, notes, page, url
from evalscope.report.render import category_scores, esc, execution_table, fmt, score_table, table
from evalscope.report.store import RunInfo, RunStore


def _date(ts: Optional[float]) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def _scores(info: RunInfo) -> str:
    items = list(info.scores.items())[:6]
    more = f" (+{len(info.scores) - 6})" if len(info.scores) > 6 else ""
    return esc(", ".join(f"{k.split('@')[-1]}: {fmt(v, 3)}" for k, v in items)) + more


def filter_runs(runs: list[RunInfo], q: str = "", kind: str = "", status: str = "") -> list[RunInfo]:
    needle = q.casefold()
    out = []
    for r in runs:
        if kind and r.kind != kind or status and r.status != status:
            continue
        text = " ".join([r.name, r.path, r.backend or "", *r.models, *r.benchmarks]).casefold()
        if needle and needle not in text:
            continue
        out.append(r)
    return out


def runs_page(store: RunStore, q: str = "", kind: str = "", status: str = "") -> str:
    runs = store.runs()
    shown = filter_runs(runs, q, kind, status)
    kinds = "".join(f'<option value="{k}"{" selected" if k == kind else ""}>{k or "any kind"}</option>'
                    for k in ("", "eval", "rag", "perf"))
    statuses = "".join(f'<option value="{s}"{" selected" if s == status else ""}>{s or "any status"}</option>'
                       for s in ("", "complete", "running", "incomplete", "errors"))
    form = (f'<form class="filters" method="get" action="/"><input name="q" value="{esc(q)}" '
            f'placeholder="search model, benchmark, path"><select name="kind">{kinds}</select>'
            f'<select name="status">{statuses}</select><button>Filter</button></form>')
    rows = []
    for r in shown:
        target = "/perf" if r.kind == "perf" else "/run"
        pick = f'<input type="checkbox" name="run" value="{esc(r.id)}" form="compare">' if r.kind != "perf" else ""
        rows.append([pick, f'<a href="{url(target, id=r.id)}">{esc(r.name)}</a>', _date(r.created), esc(r.kind),
                     esc(r.backend), esc(", ".join(r.models)), esc(", ".join(r.benchmarks[:8])), badge(r.status),
                     _scores(r)])
    body = (form + f"<p>{len(shown)} of {len(runs)} runs under {esc(', '.join(str(p) for p in store.roots))}</p>"
            '<form id="compare" method="get" action="/compare"><button>Compare selected</button></form>'
            + table(["", "Run", "Date", "Kind", "Backend", "Models", "Benchmarks", "Status", "Main scores"], rows,
                    "runs"))
    return page("Runs", body)


def bars_figure(reports: list) -> dict:
    models: dict[str, dict[str, Optional[float]]] = {}
    for r in reports:
        models.setdefault(r.model_name, {})[r.dataset_name] = r.score
    data = [{"type": "bar", "name": m, "x": list(v), "y": list(v.values())} for m, v in models.items()]
    return {"data": data, "layout": {"title": {"text": "Primary score per benchmark"}, "barmode": "group",
                                     "yaxis": {"rangemode": "tozero"}}}


def radar_figure(report) -> Optional[dict]:
    values = category_scores(report)
    if len(values) < 3:
        return None
    axes = list(values)
    return {"data": [{"type": "scatterpolar", "fill": "toself", "name": report.model_name,
                      "r": [values[a] for a in axes] + [values[axes[0]]], "theta": axes + [axes[0]]}],
            "layout": {"title": {"text": f"{report.dataset_name} by category"},
                       "polar": {"radialaxis": {"range": [0, 1]}}}}


def run_page(store: RunStore, run_id: str) -> str:
    info = store.run(run_id)
    reports, report_notes = store.reports(run_id)
    files = store.sample_files(run_id)
    parts = [f"<p>{badge(info.status)} {esc(info.backend)} · {esc(', '.join(info.models))} · {_date(info.created)}"
             f" · <code>{esc(info.path)}</code></p>", notes(info.notes if info.notes else report_notes)]
    if reports:
        charts = [chart(bars_figure(reports))] + [chart(f, 400) for f in map(radar_figure, reports) if f]
        parts += ["<h2>Scores</h2>", score_table(reports), execution_table(reports),
                  '<div class="grid">' + "".join(charts) + "</div>"]
    else:
        parts.append("<p>No reports yet.</p>")
    pairs = list(dict.fromkeys((f.model, f.benchmark) for f in files))
    if pairs:
        links = [[f'<a href="{url("/samples", id=run_id, model=m, benchmark=b)}">{esc(b)}</a>', esc(m),
                  f'<a href="{url("/samples", id=run_id, model=m, benchmark=b, status="wrong")}">wrong</a> · '
                  f'<a href="{url("/samples", id=run_id, model=m, benchmark=b, status="errored")}">errored</a>']
                 for m, b in pairs]
        parts += ["<h2>Samples</h2>", table(["Benchmark", "Model", "Filters"], links, "sample-links")]
    config = store.task_config(run_id)
    if config:
        parts.append("<h2>Task config</h2><details open><summary>secrets masked</summary><pre>"
                     + esc(json.dumps(config, indent=2, ensure_ascii=False, default=str)) + "</pre></details>")
    log = store.log_tail(run_id)
    if log:
        parts.append(f"<h2>Log</h2><details><summary>last lines</summary><pre>{esc(log)}</pre></details>")
    return page(info.name, "".join(parts), [("/", "Runs")], charts=bool(reports))
