"""The summary of one run (``benchmark_summary.json``) and its percentile table (``benchmark_percentile.json``).

JSON keys are EvalScope's (``"Avg TTFT (ms)"``, ``"TTFT (ms)"``...); every metric that has no data is
``null`` (never 0 or -1). Throughputs are totals over the run's duration (first send to last end).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from evalscope.perf import metrics as m
from evalscope.perf.metrics import PERCENTILES, Distribution
from evalscope.perf.records import RequestRecord
from evalscope.perf.runner import RunResult
from evalscope.perf.selfcheck import SelfCheck, assess
from evalscope.perf.tokens import cached_tokens, token_sources

# percentile-table column -> (metric function giving one value or a list per record, scale)
PERCENTILE_METRICS = {
    "TTFT (ms)": (m.ttft, 1000.0),
    "ITL (ms)": (m.inter_token_latencies, 1000.0),
    "TPOT (ms)": (m.tpot, 1000.0),
    "Latency (s)": (m.latency, 1.0),
    "Input tokens": (lambda r: r.prompt_tokens if r.success else None, 1.0),
    "Output tokens": (lambda r: r.completion_tokens if r.success else None, 1.0),
    "Output (tok/s)": (m.output_throughput, 1.0),
    "Total (tok/s)": (m.total_throughput, 1.0),
    "Decode (tok/s)": (m.decode_throughput, 1.0),
}
EMBEDDING_METRICS = ("Latency (s)", "Input tokens")
MULTI_TURN_KEYS = ("Avg Turns/Request", "Avg First-Turn TTFT (ms)", "Avg Subsequent-Turn TTFT (ms)",
                   "KV Cache Hit Rate (%)")
EMBEDDING_EXTRA = {"Input (tok/s)": (m.input_throughput, 1.0)}


def _values(records: list[RequestRecord], fn, scale: float = 1.0) -> list[float]:
    out: list[float] = []
    for r in records:
        v = fn(r)
        if v is None:
            continue
        if isinstance(v, list):
            out.extend(x * scale for x in v)
        else:
            out.append(v * scale)
    return out


def _short_error(error: str) -> str:
    if error.startswith(("HTTP", "malformed", "connection", "server error")):
        return error.split(":", 1)[0]
    return error.split(" (", 1)[0][:60]  # without a parenthesised hint


class BenchmarkSummary(BaseModel):
    """One run; field aliases are EvalScope's keys."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    time_taken: float = Field(alias="Test Duration (s)")
    concurrency: Optional[int] = Field(alias="Concurrency")
    """``--parallel`` of the run; ``None`` with ``--open-loop`` (no cap on requests in flight)."""
    request_rate: Optional[float] = Field(None, alias="Request Rate (req/s)")
    """The target ``--rate``; ``None`` in a closed loop."""
    total_requests: int = Field(alias="Total Requests")
    succeed_requests: int = Field(alias="Success Requests")
    failed_requests: int = Field(alias="Failed Requests")
    request_throughput: Optional[float] = Field(alias="Req Throughput (req/s)")
    avg_latency: Optional[float] = Field(alias="Avg Latency (s)")
    avg_ttft: Optional[float] = Field(None, alias="Avg TTFT (ms)")
    avg_tpot: Optional[float] = Field(None, alias="Avg TPOT (ms)")
    avg_itl: Optional[float] = Field(None, alias="Avg ITL (ms)")
    avg_input_tokens: Optional[float] = Field(alias="Avg Input Tokens")
    avg_output_tokens: Optional[float] = Field(None, alias="Avg Output Tokens")
    output_throughput: Optional[float] = Field(None, alias="Output Throughput (tok/s)")
    total_throughput: Optional[float] = Field(None, alias="Total Throughput (tok/s)")
    input_throughput: Optional[float] = Field(None, alias="Input Throughput (tok/s)")
    # --multi-turn only (left out of the JSON of other runs): every turn is one request
    avg_turns: Optional[float] = Field(None, alias="Avg Turns/Request")
    """Mean user turns carried by a request (turn k carries k)."""
    avg_first_turn_ttft: Optional[float] = Field(None, alias="Avg First-Turn TTFT (ms)")
    avg_subsequent_turn_ttft: Optional[float] = Field(None, alias="Avg Subsequent-Turn TTFT (ms)")
    cache_hit_rate: Optional[float] = Field(None, alias="KV Cache Hit Rate (%)")
    """100 x server-reported ``usage.prompt_tokens_details.cached_tokens`` / prompt tokens, over the turns
    whose server reported both; ``None`` when it reported none (never estimated)."""
    errors: dict[str, int] = Field(default_factory=dict)
    """Failed requests by kind (``HTTP 500``, ``timeout``, ``connection dropped``, ...)."""
    token_sources: dict[str, dict[str, int]] = Field(default_factory=dict)
    """Where prompt / completion token counts came from (``usage``, ``tokenizer``, ``dataset``, ``none``)."""
    itl_basis: Optional[str] = None
    """``token`` when ITL is per token, ``chunk`` when it is per chunk (tokens per chunk unknown)."""
    distributions: dict[str, Distribution] = Field(default_factory=dict)
    self_check: Optional[SelfCheck] = None
    warnings: list[str] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", by_alias=True)
        if self.avg_turns is None:  # not a --multi-turn run: those metrics do not apply
            for key in MULTI_TURN_KEYS:
                data.pop(key, None)
        return data

    @property
    def run_label(self) -> str:
        """``parallel 8``, ``parallel 8, rate 5/s`` or ``open loop, rate 5/s``."""
        load = "open loop" if self.concurrency is None else f"parallel {self.concurrency}"
        return load + (f", rate {self.request_rate:g}/s" if self.request_rate else "")


def summarize(run: RunResult, embedding: bool = False) -> BenchmarkSummary:
    records = run.records
    ok = [r for r in records if r.success]
    duration = run.duration
    errors = Counter(_short_error(r.error or "") for r in records if not r.success)
    cols = _columns(embedding)
    dists = {name: Distribution.of(_values(ok, fn), scale) for name, (fn, scale) in cols.items()}
    prompt = _values(ok, lambda r: r.prompt_tokens)
    output = _values(ok, lambda r: r.completion_tokens)
    known_out = [r for r in ok if r.completion_tokens is not None]
    known_all = [r for r in known_out if r.prompt_tokens is not None]
    per_s = (lambda x: x / duration) if duration > 0 else (lambda x: None)
    lateness = [r.send_time - r.ready_time for r in records]
    check = assess(lateness, run.loop_lags, run.cpu, run.wall)
    warnings = []
    if check.client_bound:
        warnings.append("client-bound run: latency figures include the client's own delay (" + "; ".join(check.reasons) + ")")
    capped = [r for r in records if r.scheduled_time is not None and r.ready_time - r.scheduled_time > 0.01]
    if capped:
        warnings.append(
            f"{len(capped)} of {len(records)} requests waited more than 10 ms past their scheduled time for a free "
            f"slot (--parallel {run.parallel}): the offered load was below --rate"
        )
    if ok and not known_out and not embedding:
        warnings.append("no token counts: the server sent no usage and no --tokenizer-path was given")
    counts_known = [r for r in ok if r.stream and r.chunk_times]
    itl_basis = None
    if counts_known:
        itl_basis = "token" if all(m.chunk_token_counts(r) is not None for r in counts_known) else "chunk"
    summary = BenchmarkSummary(
        time_taken=duration,
        concurrency=run.parallel,
        request_rate=run.rate,
        total_requests=len(records),
        succeed_requests=len(ok),
        failed_requests=len(records) - len(ok),
        request_throughput=per_s(len(ok)),
        avg_latency=dists["Latency (s)"].mean,
        avg_input_tokens=(sum(prompt) / len(prompt)) if prompt else None,
        errors=dict(errors),
        token_sources=token_sources(records),
        itl_basis=itl_basis,
        distributions=dists,
        self_check=check,
        warnings=warnings,
        **_multi_turn(ok),
    )
    if embedding:
        summary.input_throughput = per_s(sum(prompt)) if prompt else None
    else:
        summary.avg_ttft = dists["TTFT (ms)"].mean
        summary.avg_tpot = dists["TPOT (ms)"].mean
        summary.avg_itl = dists["ITL (ms)"].mean
        summary.avg_output_tokens = (sum(output) / len(output)) if output else None
        summary.output_throughput = per_s(sum(output)) if known_out else None
        if known_all:
            summary.total_throughput = per_s(sum(r.prompt_tokens + r.completion_tokens for r in known_all))
    return summary


def _columns(embedding: bool) -> dict:
    if embedding:
        return {**{k: PERCENTILE_METRICS[k] for k in EMBEDDING_METRICS}, **EMBEDDING_EXTRA}
    return PERCENTILE_METRICS


def percentile_rows(summary: BenchmarkSummary) -> list[dict[str, Any]]:
    """EvalScope's ``benchmark_percentile.json``: one row per percentile (min, 1%..99%, max)."""
    labels = [("min", "min")] + [(f"{p}%", f"p{p}") for p in PERCENTILES] + [("max", "max")]
    rows = []
    for label, key in labels:
        row: dict[str, Any] = {"Percentiles": label}
        for name, dist in summary.distributions.items():
            row[name] = getattr(dist, key) if key in ("min", "max") else dist.percentiles.get(key)
        rows.append(row)
    return rows


def _mean(values: list[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def _multi_turn(ok: list[RequestRecord]) -> dict[str, Optional[float]]:
    turns = [r for r in ok if r.turn is not None]
    if not turns:
        return {}
    ttft = [(r.turn, m.ttft(r)) for r in turns]
    cached = [(c, r.prompt_tokens) for r in turns if (c := cached_tokens(r)) is not None and r.prompt_tokens]
    return {
        "avg_turns": _mean([float(r.turn) for r in turns]),  # type: ignore[arg-type]
        "avg_first_turn_ttft": _mean([t * 1000 for k, t in ttft if k == 1 and t is not None]),
        "avg_subsequent_turn_ttft": _mean([t * 1000 for k, t in ttft if k > 1 and t is not None]),
        "cache_hit_rate": 100.0 * sum(c for c, _ in cached) / sum(p for _, p in cached) if cached else None,
    }
