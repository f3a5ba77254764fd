"""Metric formulas (pure: records in, numbers out) and the one distribution type.

Per successful request (times from ``RequestRecord``, seconds):

- latency = end_time - send_time                                  (EvalScope ``latency``)
- TTFT = chunk_times[0] - send_time, streamed requests only       (EvalScope ``first_chunk_latency``)
- inter-chunk latencies = chunk_times[i] - chunk_times[i-1]
- ITL (per token): each gap divided by the tokens of its chunk, repeated once per token, when the
  tokens per chunk are known; otherwise the inter-chunk latencies
- TPOT = (latency - TTFT) / (completion_tokens - 1), needs >= 2 tokens  (EvalScope ``time_per_output_token``)
- output tokens/s = completion_tokens / latency; decode tokens/s = 1 / TPOT
"""

from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence

from pydantic import BaseModel, ConfigDict

from evalscope.perf.records import RequestRecord

PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)


def latency(r: RequestRecord) -> Optional[float]:
    if not r.success or r.end_time is None:
        return None
    return r.end_time - r.send_time


def ttft(r: RequestRecord) -> Optional[float]:
    if not r.success or not r.stream or not r.chunk_times:
        return None
    return r.chunk_times[0] - r.send_time


def inter_chunk_latencies(r: RequestRecord) -> list[float]:
    if not r.success or not r.stream:
        return []
    t = r.chunk_times
    return [t[i] - t[i - 1] for i in range(1, len(t))]


def chunk_token_counts(r: RequestRecord) -> Optional[list[int]]:
    """Tokens per content chunk. 1 each when the completion count equals the number of chunks (exact);
    else the tokenizer's per-chunk counts, scaled to the completion count when they disagree with it (a
    tokenizer counts a chunk apart from its neighbours, e.g. a leading-space piece); else ``None``."""
    n, total, counts = len(r.chunk_times), r.completion_tokens, r.chunk_tokens
    if total is not None and total == n:
        return [1] * n
    if counts is None or len(counts) != n:
        return None
    if total is None or sum(counts) == total:
        return counts
    return apportion(counts, total) if total >= n else None


def apportion(weights: list[int], total: int) -> list[int]:
    """``total`` split over ``len(weights)`` parts in proportion to ``weights``, each at least 1 (largest
    remainder); needs ``total >= len(weights)``."""
    scale = total / sum(weights) if sum(weights) > 0 else 0.0
    shares = [w * scale for w in weights]
    out = [max(1, math.floor(x)) for x in shares]
    order = sorted(range(len(out)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True)
    k = 0
    while sum(out) < total:
        out[order[k % len(out)]] += 1
        k += 1
    while sum(out) > total:  # the floor of 1 gave too many: take back where most was given over the share
        i = max((j for j in range(len(out)) if out[j] > 1), key=lambda j: out[j] - shares[j])
        out[i] -= 1
    return out


def inter_token_latencies(r: RequestRecord) -> list[float]:
    gaps = inter_chunk_latencies(r)
    counts = chunk_token_counts(r)
    if counts is None:
        return gaps
    out: list[float] = []
    for gap, m in zip(gaps, counts[1:]):
        if m <= 1:
            out.append(gap)
        else:
            out.extend([gap / m] * m)
    return out


def tpot(r: RequestRecord) -> Optional[float]:
    first, total, n = ttft(r), latency(r), r.completion_tokens
    if first is None or total is None or n is None or n < 2:
        return None
    return (total - first) / (n - 1)


def output_throughput(r: RequestRecord) -> Optional[float]:
    total = latency(r)
    if total is None or total <= 0 or r.completion_tokens is None:
        return None
    return r.completion_tokens / total


def total_throughput(r: RequestRecord) -> Optional[float]:
    total = latency(r)
    if total is None or total <= 0 or r.completion_tokens is None or r.prompt_tokens is None:
        return None
    return (r.completion_tokens + r.prompt_tokens) / total


def input_throughput(r: RequestRecord) -> Optional[float]:
    total = latency(r)
    if total is None or total <= 0 or r.prompt_tokens is None:
        return None
    return r.prompt_tokens / total


def decode_throughput(r: RequestRecord) -> Optional[float]:
    value = tpot(r)
    return 1.0 / value if value else None


def percentile(sorted_values: Sequence[float], p: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default); ``None`` for no data."""
    n = len(sorted_values)
    if n == 0:
        return None
    if n == 1:
        return float(sorted_values[0])
    pos = (n - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return float(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo))


class Distribution(BaseModel):
    """Summary of one metric over a run; every field is ``None`` when there is no data."""

    model_config = ConfigDict(extra="forbid")

    count: int = 0
    mean: Optional[float] = None
    median: Optional[float] = None
    std: Optional[float] = None
    min: Optional[float] = None
    max: Optional[float] = None
    percentiles: dict[str, Optional[float]] = {}
    """``"p1"`` ... ``"p99"``."""

    @classmethod
    def of(cls, values: Iterable[Optional[float]], scale: float = 1.0) -> "Distribution":
        data = sorted(v * scale for v in values if v is not None and not math.isnan(v))
        if not data:
            return cls(percentiles={f"p{p}": None for p in PERCENTILES})
        n = len(data)
        mean = math.fsum(data) / n
        var = math.fsum((v - mean) ** 2 for v in data) / n
        return cls(
            count=n,
            mean=mean,
            median=percentile(data, 50),
            std=math.sqrt(var),
            min=data[0],
            max=data[-1],
            percentiles={f"p{p}": percentile(data, p) for p in PERCENTILES},
        )
