"""HTML fragments shared by the viewer and the HTML report (pure: records in, escaped HTML text out)."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Optional

from evalscope.report.schema import Report


def esc(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def fmt(value: Optional[float], digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) < 1e5 else f"{value:.0f}"
    return esc(value)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """Cells are HTML already (escape text with ``esc``)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def score_table(reports: list[Report]) -> str:
    """Benchmark > metric > category > subset, with micro (sample-weighted) and macro scores; a first
    ``Backend`` column (harness and version) when any report comes from an external harness."""
    from evalscope.report.table import backend_label

    with_backend = any(r.backend != "Native" for r in reports)
    rows = []
    for r in reports:
        lead = [esc(backend_label(r))] if with_backend else []
        blank = [""] if with_backend else []
        for metric in r.metrics:
            # one category: its macro (over subsets) is the one that tells something
            macro = metric.categories[0].macro_score if len(metric.categories) == 1 else metric.macro_score
            rows.append(lead + [f"<b>{esc(r.dataset_name)}</b>", esc(r.model_name), esc(metric.name), "<i>all</i>",
                                "", str(metric.num), fmt(metric.score), fmt(macro)])
            for cat in metric.categories:
                many = len(metric.categories) > 1 or len(cat.subsets) > 1
                if len(metric.categories) > 1:
                    rows.append(blank + ["", "", "", esc(" / ".join(cat.name)), "", str(cat.num), fmt(cat.score),
                                         fmt(cat.macro_score)])
                for sub in cat.subsets if many else []:
                    rows.append(blank + ["", "", "", esc(" / ".join(cat.name)), esc(sub.name), str(sub.num),
                                         fmt(sub.score), ""])
    headers = ["Benchmark", "Model", "Metric", "Category", "Subset", "Num", "Score (micro)", "Macro"]
    return table((["Backend"] if with_backend else []) + headers, rows, "scores")


def execution_table(reports: list[Report]) -> str:
    rows = [[esc(r.dataset_name), esc(r.model_name), str(r.execution.requested), str(r.execution.succeeded),
             f'<span class="{"bad" if r.execution.errored else ""}">{r.execution.errored}</span>']
            for r in reports if r.execution is not None]
    return table(["Benchmark", "Model", "Requested", "Succeeded", "Errored"], rows, "execution") if rows else ""


def bench_scores(reports: list[Report]) -> dict[str, dict[str, Optional[float]]]:
    """model -> benchmark -> primary score (for the per-benchmark bar chart)."""
    out: dict[str, dict[str, Optional[float]]] = {}
    for r in reports:
        out.setdefault(r.model_name, {})[r.dataset_name] = r.score
    return out


def category_scores(report: Report) -> dict[str, Optional[float]]:
    """Category (or, with one category, subset) -> score of the primary metric (for the radar)."""
    if not report.metrics:
        return {}
    metric = report.metrics[0]
    if len(metric.categories) > 1:
        return {" / ".join(c.name): c.score for c in metric.categories}
    return {s.name: s.score for c in metric.categories for s in c.subsets}
