"""The score table printed at the end of a run (pure: reports in, text out).

When any report comes from an external harness, a first ``Backend`` column says which harness (and
which version of it) produced each row, so one table compares the same benchmark across harnesses.
"""

from __future__ import annotations

from typing import Iterable, Optional

from evalscope.report.schema import Report

HEADERS = ("Model", "Dataset", "Metric", "Subset", "Num", "Score")
BACKEND_HEADER = "Backend"


def _fmt(score: Optional[float]) -> str:
    return "-" if score is None else f"{score:.4f}"


MAX_METRICS = 5


def backend_label(report: Report) -> str:
    """``lm-eval 0.4.13``; ``OpenCompass (ms-opencompass 0.1.6)`` when the harness has another name."""
    version = report.backend_version
    if not version:
        return report.backend
    dist, _, number = version.rpartition(" ")
    if dist and dist.lower() == report.backend.lower():
        return f"{report.backend} {number}"
    return f"{report.backend} ({version})"


def report_rows(reports: Iterable[Report], max_metrics: int = MAX_METRICS,
                with_backend: bool = False) -> list[tuple[str, ...]]:
    """One row per subset, then an ``OVERALL`` row per metric when there are several subsets.

    At most ``max_metrics`` metrics per report (the first is the primary one); a last row says how
    many more the report file holds (MTEB retrieval tasks have over a hundred). ``with_backend``
    puts the report's ``backend_label`` first in each row.
    """
    rows: list[tuple[str, ...]] = []
    for report in reports:
        start = len(rows)
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
        if not report.metrics and report.execution:  # answers only (VLMEvalKit's mode: infer): nothing scored
            rows.append((report.model_name, report.dataset_name, "(not scored)", "answered",
                         str(report.execution.succeeded), "-"))
        hidden = len(report.metrics) - max_metrics
        if hidden > 0:
            rows.append((report.model_name, report.dataset_name, f"(+{hidden} more metrics in the report file)",
                         "-", "-", "-"))
        if report.execution and report.execution.errored:
            rows.append(
                (report.model_name, report.dataset_name, "errored", "-", str(report.execution.errored), "-")
            )
        if with_backend:
            label = backend_label(report)
            rows[start:] = [(label, *row) for row in rows[start:]]
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
    reports = list(reports)
    if any(r.backend != "Native" for r in reports):
        return render_table((BACKEND_HEADER, *HEADERS), report_rows(reports, with_backend=True))
    return render_table(HEADERS, report_rows(reports))
