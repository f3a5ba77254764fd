"""Per-conversation metrics of a ``--multi-turn`` run (``trace_summary.json``; pure: records in, data out).

Per conversation (``trace_id``), over its turns in order:

- ``Latency (s)``: last turn's end - first turn's send;
- ``First-Turn TTFT (s)``: the first turn's TTFT (cold prefill);
- ``TTFAT (s)``: first send -> first token of the last turn's reply (time to the final answer's first token);
- ``Decode TPS``: mean over its turns of (completion tokens - 1) / (latency - TTFT);
- ``Cache Hit Rate (%)``: 100 x server-reported ``cached_tokens`` / prompt tokens over its turns (``None``
  when the server reported none: never estimated);
- ``Turns``: turns sent; ``Output tokens``: their completion tokens, when every turn's count is known.
Row names and units are EvalScope's where it has the row.

Only conversations whose every turn succeeded are summarised; ``n_abandoned`` counts the others (a failed
turn ends its conversation). Each row has mean, min, p50, p90, p95, p99 and max (EvalScope's layout);
``None`` where there is no data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional

from evalscope.perf import metrics as m
from evalscope.perf.metrics import percentile
from evalscope.perf.records import RequestRecord
from evalscope.perf.tokens import cached_tokens

STATS = ("mean", "min", "p50", "p90", "p95", "p99", "max")


def _stats(metric: str, values: list[Optional[float]]) -> dict[str, Any]:
    data = sorted(v for v in values if v is not None)
    row: dict[str, Any] = {"metric": metric, "count": len(data)}
    if not data:
        return {**row, **{k: None for k in STATS}}
    row.update(mean=sum(data) / len(data), min=data[0], max=data[-1])
    for p in (50, 90, 95, 99):
        row[f"p{p}"] = percentile(data, p)
    return row


def trace_summary(records: list[RequestRecord]) -> dict[str, Any]:
    by_trace: dict[int, list[RequestRecord]] = defaultdict(list)
    for r in records:
        if r.trace_id is not None:
            by_trace[r.trace_id].append(r)
    complete = []
    for turns in by_trace.values():
        turns.sort(key=lambda r: r.turn or 0)
        if all(r.success for r in turns):
            complete.append(turns)
    latency, first_ttft, ttfat, decode, cache, n_turns, output = [], [], [], [], [], [], []
    for turns in complete:
        first, last = turns[0], turns[-1]
        latency.append(last.end_time - first.send_time if last.end_time is not None else None)
        first_ttft.append(m.ttft(first))
        rates = [(r.completion_tokens - 1) / (lat - t) for r in turns
                 if (t := m.ttft(r)) is not None and (lat := m.latency(r)) is not None and lat > t
                 and r.completion_tokens is not None and r.completion_tokens > 1]
        decode.append(sum(rates) / len(rates) if rates else None)
        cached = [(c, r.prompt_tokens) for r in turns if (c := cached_tokens(r)) is not None and r.prompt_tokens]
        cache.append(100.0 * sum(c for c, _ in cached) / sum(p for _, p in cached) if cached else None)
        last_ttft = m.ttft(last)
        ttfat.append(None if last_ttft is None else last.send_time + last_ttft - first.send_time)
        n_turns.append(float(len(turns)))
        counts = [r.completion_tokens for r in turns]
        output.append(float(sum(counts)) if all(c is not None for c in counts) else None)  # type: ignore[arg-type]
    return {
        "n_traces": len(by_trace),
        "n_completed": len(complete),
        "n_abandoned": len(by_trace) - len(complete),
        "rows": [
            _stats("Latency (s)", latency),
            _stats("First-Turn TTFT (s)", first_ttft),
            _stats("TTFAT (s)", ttfat),
            _stats("Decode TPS", decode),
            _stats("Cache Hit Rate (%)", cache),
            _stats("Turns", n_turns),
            _stats("Output tokens", output),
        ],
    }
