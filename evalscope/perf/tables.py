"""Terminal tables of a run and of a sweep (pure: summaries in, text out)."""

from __future__ import annotations

from typing import Any, Optional

from evalscope.perf.summary import BenchmarkSummary, percentile_rows
from evalscope.report.table import render_table


def fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


SUMMARY_KEYS = (
    "Test Duration (s)", "Concurrency", "Request Rate (req/s)", "Total Requests", "Success Requests",
    "Failed Requests", "Req Throughput (req/s)", "Avg Latency (s)", "Avg TTFT (ms)", "Avg TPOT (ms)",
    "Avg ITL (ms)", "Avg Input Tokens", "Avg Output Tokens", "Output Throughput (tok/s)",
    "Total Throughput (tok/s)", "Input Throughput (tok/s)", "Avg Turns/Request", "Avg First-Turn TTFT (ms)",
    "Avg Subsequent-Turn TTFT (ms)", "KV Cache Hit Rate (%)",
)


def summary_table(summary: BenchmarkSummary) -> str:
    data = summary.to_json()
    rows = [(key, fmt(data.get(key))) for key in SUMMARY_KEYS if key in data and data.get(key) is not None]
    if summary.errors:
        rows.append(("Errors", ", ".join(f"{k}: {v}" for k, v in sorted(summary.errors.items()))))
    check = summary.self_check
    if check is not None:
        p99 = check.loop_lag_ms.percentiles.get("p99")
        late = check.send_lateness_ms.percentiles.get("p99")
        rows.append(("Client p99 loop lag / send lateness (ms)", f"{fmt(p99, 2)} / {fmt(late, 2)}"))
        rows.append(("Client CPU busy", fmt(check.cpu_busy, 2)))
    text = render_table(("Metric", "Value"), rows)
    for warning in summary.warnings:
        text += f"\nWARNING: {warning}"
    return text


def percentile_table(summary: BenchmarkSummary) -> str:
    rows = percentile_rows(summary)
    names = [k for k in rows[0] if k != "Percentiles"]
    headers = ("Percentile",) + tuple(names)
    body = [(row["Percentiles"],) + tuple(fmt(row[n]) for n in names) for row in rows]
    return render_table(headers, body)


def sweep_table(summaries: list[BenchmarkSummary], embedding: bool = False) -> str:
    if embedding:
        cols = ("Concurrency", "Rate", "Req/s", "Avg Lat (s)", "P99 Lat (s)", "In tok/s", "Success", "Failed", "Client-bound")
    else:
        cols = ("Concurrency", "Rate", "Req/s", "Avg Lat (s)", "P99 Lat (s)", "Avg TTFT (ms)", "P99 TTFT (ms)",
                "Avg ITL (ms)", "Avg TPOT (ms)", "Out tok/s", "Success", "Failed", "Client-bound")
    rows = []
    for s in summaries:
        lat = s.distributions.get("Latency (s)")
        p99 = lat.percentiles.get("p99") if lat else None
        bound = "yes" if s.self_check and s.self_check.client_bound else "no"
        common = ("open" if s.concurrency is None else str(s.concurrency), fmt(s.request_rate, 2), fmt(s.request_throughput, 2), fmt(s.avg_latency), fmt(p99))
        if embedding:
            rows.append(common + (fmt(s.input_throughput, 1), str(s.succeed_requests), str(s.failed_requests), bound))
        else:
            ttft = s.distributions.get("TTFT (ms)")
            rows.append(common + (
                fmt(s.avg_ttft, 2), fmt(ttft.percentiles.get("p99") if ttft else None, 2), fmt(s.avg_itl, 2),
                fmt(s.avg_tpot, 2), fmt(s.output_throughput, 1), str(s.succeed_requests), str(s.failed_requests), bound,
            ))
    return render_table(cols, rows)


def trace_table(traces: dict[str, Any]) -> str:
    """``trace_summary.json`` of a ``--multi-turn`` run."""
    from evalscope.perf.traces import STATS

    body = [(row["metric"],) + tuple(fmt(row[k], 4) for k in STATS) for row in traces["rows"]]
    text = render_table(("Metric",) + STATS, body)
    return (f"{traces['n_completed']} of {traces['n_traces']} conversations completed"
            + (f" ({traces['n_abandoned']} ended by a failed turn)" if traces["n_abandoned"] else "") + "\n" + text)


def speed_table(records, tokenizer_known: Optional[bool] = None) -> str:
    """``speed_benchmark``: mean output tokens/s per input length."""
    from evalscope.perf import metrics as m

    groups: dict[int, list[float]] = {}
    for r in records:
        tps = m.output_throughput(r)
        if tps is not None and r.prompt_tokens is not None:
            groups.setdefault(r.prompt_tokens, []).append(tps)
    rows = [(str(k), fmt(sum(v) / len(v), 2)) for k, v in sorted(groups.items())]
    return render_table(("Prompt tokens", "Speed (tokens/s)"), rows)
