"""EvalScope's Python entry point: ``run_perf_benchmark(Arguments(...) | dict)`` against the mock server."""

import json

import pytest

from evalscope.errors import ConfigError
from evalscope.perf.arguments import Arguments
from evalscope.perf.main import run_perf_benchmark
from evalscope.perf.mock_server import run_in_thread


@pytest.fixture(scope="module")
def server():
    with run_in_thread(ttft_ms=10, itl_ms=2, output_tokens=5, api_key="sk-api-test") as srv:
        yield srv


def test_arguments_object_returns_each_run_by_name(server, tmp_path):
    results = run_perf_benchmark(Arguments(
        url=server.url + "/chat/completions", model="m", api_key="sk-api-test", parallel=[1, 2], number=[3, 4],
        prompt="hello", outputs_dir=str(tmp_path), no_timestamp=True, name="api", stream=True))
    assert list(results) == ["parallel_1_number_3", "parallel_2_number_4"]
    metrics = results["parallel_2_number_4"]["metrics"]
    assert metrics["Total Requests"] == 4 and metrics["Success Requests"] == 4 and metrics["Concurrency"] == 2
    assert metrics["Avg TTFT (ms)"] == pytest.approx(10, abs=8)
    assert metrics["Avg Output Tokens"] == 5
    # the same data as the files on disk
    on_disk = json.loads((tmp_path / "api" / "parallel_2_number_4" / "benchmark_summary.json").read_text())
    assert on_disk == metrics
    rows = results["parallel_2_number_4"]["percentiles"]
    assert [r["Percentiles"] for r in rows][:2] == ["min", "1%"] and rows[-1]["Percentiles"] == "max"
    # EvalScope 1.x reads them as objects: attributes, to_dict(), .rows, to_list()
    m = results["parallel_2_number_4"]["metrics"]
    assert m.avg_ttft == metrics["Avg TTFT (ms)"] and m.output_token_throughput == metrics["Output Throughput (tok/s)"]
    assert m.to_dict() == on_disk
    p = results["parallel_2_number_4"]["percentiles"]
    assert p.rows[-1].percentile == "max" and p.rows[-1].ttft == rows[-1]["TTFT (ms)"] and p.to_list() == rows
    assert results["parallel_2_number_4"]["trace_summary"] is None  # not a --multi-turn run
    with pytest.raises(AttributeError):
        m.no_such_metric  # noqa: B018
    log = (tmp_path / "api" / "benchmark.log").read_text()
    assert "evalscope perf" in log and "sk-api-test" not in log


def test_dict_config_with_a_rate_sweep(server, tmp_path):
    results = run_perf_benchmark({
        "url": server.url, "model": "m", "api_key": "sk-api-test", "open_loop": True, "rate": [40, 80],
        "number": [4, 8], "prompt": "hello", "outputs_dir": str(tmp_path), "no_timestamp": True, "name": "d"})
    assert list(results) == ["rate_40.0_number_4", "rate_80.0_number_8"]
    assert results["rate_80.0_number_8"]["metrics"]["Request Rate (req/s)"] == 80
    assert results["rate_80.0_number_8"]["metrics"]["Success Requests"] == 8


def test_a_bad_key_names_the_field(tmp_path):
    with pytest.raises(ConfigError, match="paralel"):
        run_perf_benchmark({"url": "http://127.0.0.1:9/v1", "paralel": 4, "outputs_dir": str(tmp_path)})
