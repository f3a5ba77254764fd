"""``reports/report.html``: one self-contained offline file (no script, no external asset) with the score
tables and charts of one or more runs and their errored and wrong samples, read through the run store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from evalscope.report.html_samples import samples_section
from evalscope.report.render import bench_scores, category_scores, esc, execution_table, score_table
from evalscope.report.store import RunStore
from evalscope.report.svgcharts import bar_chart, radar_chart

CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f4f4f4}.bad{color:#b00;font-weight:bold}
pre{background:#f8f8f8;padding:1em;overflow:auto;max-height:30em;white-space:pre-wrap}.charts svg{margin:0 1em 1em 0}
.samples details{border:1px solid #ddd;margin:3px 0;padding:3px 8px}.samples summary{cursor:pointer}
.note{color:#8a5a00}"""


def run_section(store: RunStore, run_id: str) -> str:
    info = store.run(run_id)
    reports, notes = store.reports(run_id)
    parts = [f"<h2>{esc(info.name)}</h2>",
             f"<p>{esc(info.backend)} · {esc(', '.join(info.models))} · status <b>{esc(info.status)}</b> · "
             f"{esc(info.path)}</p>"]
    parts += [f'<p class="bad">{esc(n)}</p>' for n in notes]
    if not reports:
        parts.append("<p>No reports yet.</p>")
    else:
        charts = [bar_chart("Primary score per benchmark", bench_scores(reports))]
        charts += [radar_chart(f"{r.dataset_name} ({r.model_name})", category_scores(r)) for r in reports]
        parts += [score_table(reports), execution_table(reports), '<div class="charts">' + "".join(charts) + "</div>"]
    parts.append(samples_section(store, run_id))
    config = store.task_config(run_id)
    if config:
        parts.append("<details><summary>Task config (secrets masked)</summary><pre>"
                     + esc(json.dumps(config, indent=2, ensure_ascii=False, default=str)) + "</pre></details>")
    return "<section>" + "".join(parts) + "</section>"


def render(run_dirs: Iterable[str | Path]) -> str:
    dirs = [Path(d) for d in run_dirs]
    store = RunStore(dirs)
    sections = [run_section(store, f"{i}/.") for i in range(len(store.roots))]
    return ("<!doctype html><html><head><meta charset='utf-8'><title>evalscope report</title>"
            f"<style>{CSS}</style></head><body><h1>evalscope report</h1>{''.join(sections)}</body></html>")


def write_html(run_dirs: Iterable[str | Path], out: str | Path) -> Path:
    """Write the report of ``run_dirs`` to ``out`` (atomically); returns ``out``."""
    out = Path(out)
    text = render(run_dirs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


def write_run_html(run_dir: str | Path) -> Path:
    """``<run_dir>/reports/report.html``."""
    return write_html([run_dir], Path(run_dir) / "reports" / "report.html")
