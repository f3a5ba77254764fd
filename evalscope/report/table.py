"""The score table printed at the end of a run (pure: reports in, text out)."""

from __future__ import annotations

from typing import Iterable, Optional

from evalscope.report.schema import Report

HEADERS = ("Model", "Dataset", "Metric", "Subset", "Num", "Score")


def _fmt(score: Optional[float]) -> str:
    return "-" if score is None else f"{score:.4f}"


MAX_METRICS = 5


def report_rows(reports: Iterable[Report], max_metrics: int = MAX_METRICS) -> list[tuple[str, ...]]:
    """One row per subset, then an ``OVERALL`` row per metric when there are several subsets.

    At most ``max_metrics`` metrics per report (the first is the primary one); a last row says how
    many more the report file holds (MTEB retrieval tasks have over a hundred).
    """
    rows: list[tuple[str, ...]] = []
    for report in reports:
        for metric in report.metrics[:max_metrics]:
            subsets = [s for c in metric.categories for s in c.subsets]
            for subset in subsets:
                rows.append(
                    (report.model_name, report.dataset_name, metric.name, subset.name, str(subset.num), _fmt(subset.score))
                )
            if len(subsets) > 1:
                rows.append(
                    (report.model_name, report.dataset_name, metric.name, "OVERALL", str(metric.num), _fmt(metric.score))
                )
        hidden = len(report.metrics) - max_metrics
        if hidden > 0:
            rows.append((report.model_name, report.dataset_name, f"(+{hidden} more metrics in the report file)",
                         "-", "-", "-"))
        if report.execution and report.execution.errored:
            rows.append(
                (report.model_name, report.dataset_name, "errored", "-", str(report.execution.errored), "-")
            )
    return rows


def render_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain box table, like ``tabulate(..., tablefmt="grid")`` without the dependency."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: tuple[str, ...]) -> str:
        return "|" + "|".join(f" {c:<{w}} " for c, w in zip(cells, widths)) + "|"

    out = [sep, line(headers), sep.replace("-", "=")]
    out += [line(r) for r in rows]
    out.append(sep)
    return "\n".join(out)


def score_table(reports: Iterable[Report]) -> str:
    return render_table(HEADERS, report_rows(reports))
