"""Compare: runs (or the models in them) side by side per benchmark and subset, and the samples that differ."""

from __future__ import annotations

from typing import Optional

from evalscope.app.layout import page, url
from evalscope.app.samples_page import card
from evalscope.report.render import esc, fmt, table
from evalscope.report.store import RunStore, UnknownRun
from evalscope.report.store.compare import Column, differences, score_rows

MAX_SHOWN = 50


def columns(store: RunStore, run_ids: list[str]) -> list[tuple[Column, list]]:
    out = []
    for run_id in run_ids:
        info = store.run(run_id)
        reports, _ = store.reports(run_id)
        for model in sorted({r.model_name for r in reports}):
            label = f"{info.name} · {model}"
            out.append((Column(run_id=run_id, model=model, label=label),
                        [r for r in reports if r.model_name == model]))
    return out


def compare_page(store: RunStore, run_ids: list[str], benchmark: Optional[str] = None) -> str:
    if len(run_ids) < 1:
        return page("Compare", "<p>Pick two or more runs on the runs list (check boxes), then Compare.</p>",
                    [("/", "Runs")])
    cols = columns(store, run_ids)
    if len(cols) < 2:
        return page("Compare", "<p>These runs hold fewer than two models with reports.</p>", [("/", "Runs")])
    rows = []
    for row in score_rows(cols):
        best = max((s for s in row.scores if s is not None), default=None)
        cells = [f"<b>{fmt(s)}</b>" if s is not None and s == best and len(set(row.scores)) > 1 else fmt(s)
                 for s in row.scores]
        name = (f'<a href="{url("/compare", run=run_ids, benchmark=row.benchmark)}">{esc(row.benchmark)}</a>'
                if row.subset is None else "")
        rows.append([name, esc(row.subset or "all"), esc(row.metric), *cells])
    body = [table(["Benchmark", "Subset", "Metric", *[c.label for c, _ in cols]], rows, "compare")]
    if benchmark:
        body.append(_differences(store, cols, benchmark))
    return page("Compare", "".join(body), [("/", "Runs")])


def _differences(store: RunStore, cols: list, benchmark: str) -> str:
    sides = []
    for col, _ in cols:
        try:
            sides.append((col, store.benchmark_samples(col.run_id, col.model, benchmark)))
        except UnknownRun:
            return f"<p>{esc(col.label)} has no samples of {esc(benchmark)}.</p>"
    diffs = differences([s.outcomes() for _, s in sides])
    shown = diffs[:MAX_SHOWN]
    keys = [(d.subset, d.sample_id, d.repeat) for d in shown]
    rows_by_side = [s.rows_by_key(keys) for _, s in sides]
    parts = [f"<h2>{esc(benchmark)}: {len(diffs)} samples scored differently"
             + (f" (first {MAX_SHOWN})" if len(diffs) > MAX_SHOWN else "") + "</h2>"]
    for key in keys:
        cells = [card(store, col.run_id, rows[key]) if key in rows else "–" for (col, _), rows in zip(sides, rows_by_side)]
        parts.append(table([c.label for c, _ in sides], [cells], "difference"))
    return "".join(parts)
