import math

import pytest

from evalscope.perf import metrics as m
from evalscope.perf.metrics import Distribution, percentile
from evalscope.perf.records import RequestRecord
from evalscope.perf.runner import RunResult
from evalscope.perf.summary import percentile_rows, summarize


def rec(i=0, send=1.0, chunks=(1.1, 1.2, 1.3, 1.4), end=1.5, tokens=4, ok=True, stream=True, **kw):
    return RequestRecord(request_id=i, request="{}", stream=stream, ready_time=send, send_time=send,
                         chunk_times=list(chunks), end_time=end, success=ok, completion_tokens=tokens,
                         prompt_tokens=10, **kw)


def test_formulas_on_canned_timestamps():
    r = rec()
    assert m.latency(r) == pytest.approx(0.5)
    assert m.ttft(r) == pytest.approx(0.1)
    assert m.inter_chunk_latencies(r) == pytest.approx([0.1, 0.1, 0.1])
    assert m.inter_token_latencies(r) == pytest.approx([0.1, 0.1, 0.1])  # usage == chunks: 1 token each
    assert m.tpot(r) == pytest.approx((0.5 - 0.1) / 3)
    assert m.output_throughput(r) == pytest.approx(8.0)
    assert m.total_throughput(r) == pytest.approx(28.0)
    assert m.decode_throughput(r) == pytest.approx(3 / 0.4)


def test_per_token_itl_when_chunks_carry_several_tokens():
    r = rec(chunks=(1.1, 1.3, 1.4), tokens=6, chunk_tokens=[2, 2, 2])
    assert m.inter_token_latencies(r) == pytest.approx([0.1, 0.1, 0.05, 0.05])
    unknown = rec(chunks=(1.1, 1.3, 1.4), tokens=6)
    assert m.inter_token_latencies(unknown) == pytest.approx([0.2, 0.1])  # chunk gaps, tokens per chunk unknown


def test_no_data_is_none():
    failed = rec(ok=False)
    assert m.latency(failed) is None and m.ttft(failed) is None and m.tpot(failed) is None
    assert m.tpot(rec(chunks=(1.1,), tokens=1)) is None
    assert m.ttft(rec(stream=False, chunks=(1.5,))) is None
    assert m.output_throughput(rec(tokens=None)) is None
    d = Distribution.of([])
    assert d.count == 0 and d.mean is None and d.percentiles["p99"] is None


def test_percentile_interpolates():
    data = [1.0, 2.0, 3.0, 4.0]
    assert percentile(data, 50) == 2.5
    assert percentile(data, 0) == 1.0 and percentile(data, 100) == 4.0
    assert percentile([5.0], 99) == 5.0
    assert percentile(list(range(101)), 99) == pytest.approx(99.0)
    d = Distribution.of([0.1, 0.2, 0.3, float("nan"), None], scale=1000)
    assert d.count == 3 and d.mean == pytest.approx(200) and d.median == pytest.approx(200)


def test_summary_counts_and_none():
    records = [rec(i, send=1.0 + i, chunks=(1.1 + i, 1.2 + i), end=1.5 + i, tokens=2) for i in range(3)]
    records.append(rec(3, ok=False, error="HTTP 500: boom", chunks=()))
    run = RunResult(parallel=2, number=4, records=records, wall_origin=0.0, duration=3.5, loop_lags=[0.001] * 10,
                    cpu=0.1, wall=3.5)
    s = summarize(run)
    assert (s.total_requests, s.succeed_requests, s.failed_requests) == (4, 3, 1)
    assert s.errors == {"HTTP 500": 1}
    assert s.request_throughput == pytest.approx(3 / 3.5)
    assert s.avg_ttft == pytest.approx(100.0)
    assert s.output_throughput == pytest.approx(6 / 3.5)
    assert s.self_check.client_bound is False
    data = s.to_json()
    assert data["Avg TTFT (ms)"] == pytest.approx(100.0) and data["Request Rate (req/s)"] is None
    rows = percentile_rows(s)
    assert [r["Percentiles"] for r in rows][:2] == ["min", "1%"] and rows[-1]["Percentiles"] == "max"


def test_summary_without_tokens_or_success():
    records = [rec(0, ok=False, error="timeout", chunks=())]
    s = summarize(RunResult(parallel=1, number=1, records=records, wall_origin=0.0, duration=0.0))
    assert s.avg_latency is None and s.avg_ttft is None and s.request_throughput is None
    assert s.output_throughput is None and s.errors == {"timeout": 1}


def test_client_bound_verdict():
    from evalscope.perf.selfcheck import assess

    ok = assess([0.0001] * 100, [0.001] * 100, cpu=0.2, wall=1.0)
    assert not ok.client_bound
    bad = assess([0.0001] * 100, [0.05] * 100, cpu=0.99, wall=1.0)
    assert bad.client_bound and len(bad.reasons) == 2
    assert math.isclose(bad.cpu_busy, 0.99)


def test_rate_capped_by_parallel_warns():
    records = [RequestRecord(request_id=i, request="{}", stream=True, scheduled_time=0.1 * i, ready_time=0.1 * i + 0.5,
                             send_time=0.1 * i + 0.5, chunk_times=[0.1 * i + 0.6], end_time=0.1 * i + 0.7,
                             success=True, completion_tokens=1) for i in range(3)]
    s = summarize(RunResult(parallel=1, number=3, records=records, wall_origin=0.0, duration=1.0, rate=10.0))
    assert any("below --rate" in w for w in s.warnings)
    assert s.self_check.send_lateness_ms.max == pytest.approx(0.0)


def test_chunk_token_counts_trust_usage_over_a_per_chunk_tokenizer():
    from evalscope.perf.metrics import apportion, chunk_token_counts, inter_token_latencies

    r = RequestRecord(request_id=0, request="{}", stream=True, ready_time=0, send_time=0.0,
                      chunk_times=[0.1, 0.2, 0.3, 0.4], end_time=0.4, success=True, completion_tokens=4,
                      chunk_tokens=[1, 2, 2, 2])  # a tokenizer counted leading-space pieces apart
    assert chunk_token_counts(r) == [1, 1, 1, 1]
    assert inter_token_latencies(r) == pytest.approx([0.1, 0.1, 0.1])
    r.completion_tokens = 10  # several tokens per chunk: the tokenizer's shape, scaled to the server's count
    assert chunk_token_counts(r) == [1, 3, 3, 3] and sum(apportion([100, 0, 0, 0], 4)) == 4
    r.completion_tokens = 2  # fewer tokens than chunks: no per-token split can be right
    assert chunk_token_counts(r) is None
    r.completion_tokens = None
    assert chunk_token_counts(r) == [1, 2, 2, 2]
