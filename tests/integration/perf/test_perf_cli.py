"""`evalscope perf` as a subprocess against the mock server: counts, timings, outputs."""

import sqlite3

import pytest
from perf_cli_helpers import perf  # noqa: F401  (the `perf` fixture: run `evalscope perf` as a subprocess)

from evalscope.perf.mock_server import run_in_thread

TTFT, ITL, TOKENS = 40.0, 4.0, 8


@pytest.fixture(scope="module")
def server():
    with run_in_thread(ttft_ms=TTFT, itl_ms=ITL, output_tokens=TOKENS, latency_ms=20) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset(server):
    server.reset()


@pytest.fixture
def prompts(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(f'{{"question": "question number {i}"}}\n' for i in range(7)))
    return str(path)


@pytest.mark.parametrize("transport,loop", [("auto", "auto"), ("aiohttp", "auto"), ("auto", "asyncio")])
def test_closed_loop_stream(server, perf, prompts, transport, loop):
    run = perf("--url", server.url + "/chat/completions", "--model", "mock", "--parallel", "4", "-n", "20",
               "--dataset", "openqa", "--dataset-path", prompts, "--stream", "--api-key", "sk-secret-123",
               "--transport", transport, "--event-loop", loop)
    assert run.rc == 0, run.stderr
    rows = run.rows(4, 20)
    assert len(rows) == 20 and all(r["success"] == 1 and r["is_stream"] == 1 for r in rows)
    assert all(r["completion_tokens"] == TOKENS and r["completion_token_source"] == "usage" for r in rows)
    assert all(len(r["chunk_times"]) == TOKENS == r["n_chunks"] for r in rows)
    stats = server.stats()
    assert stats["by_endpoint"]["chat"] == 21  # 20 + the connection test
    summary = run.summary(4, 20)
    assert (summary["Total Requests"], summary["Success Requests"], summary["Failed Requests"]) == (20, 20, 0)
    applied = stats["applied"]["mean_ttft_ms"]
    # generous bounds: CI machines are shared (bench/perf_fidelity.py measures the real error)
    assert TTFT <= summary["Avg TTFT (ms)"] < TTFT + 50
    assert abs(summary["Avg TTFT (ms)"] - applied) < 25
    assert abs(summary["Avg ITL (ms)"] - ITL) < 2
    assert summary["itl_basis"] == "token"
    args = run.json(4, 20, "benchmark_args.json")
    assert args["api_key"] == "**********" and args["event_loop"] == loop
    assert "sk-secret-123" not in (run.run_dir(4, 20) / "benchmark_args.json").read_text()
    percentiles = run.json(4, 20, "benchmark_percentile.json")
    assert [p["Percentiles"] for p in percentiles][0] == "min" and "TTFT (ms)" in percentiles[0]
    assert (run.root / "perf_report.html").read_text().count("<svg") >= 2
    assert "Avg TTFT (ms)" in run.stderr + run.stdout


def test_db_is_json_text_with_evalscope_columns(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "-n", "3", "--dataset-path", prompts,
               "--no-test-connection")
    assert run.rc == 0, run.stderr
    con = sqlite3.connect(run.run_dir(1, 3) / "benchmark_data.db")
    cols = [c[1] for c in con.execute("PRAGMA table_info(result)")]
    for name in ("request", "start_time", "chunk_times", "success", "response_messages", "completed_time",
                 "latency", "first_chunk_latency", "n_chunks", "chunk_time", "prompt_tokens",
                 "completion_tokens", "max_gpu_memory_cost"):
        assert name in cols
    request, messages = con.execute("SELECT request, response_messages FROM result").fetchone()
    assert request.startswith("{") and messages.startswith("[")
    assert server.stats()["by_endpoint"]["chat"] == 3


def test_rate_poisson(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "16", "-n", "30",
               "--rate", "60", "--dataset-path", prompts, "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(16, 30)
    assert len(rows) == 30 and all(r["scheduled_time"] is not None for r in rows)
    late = [r["start_time"] - r["ready_time"] for r in rows]
    assert max(late) < 0.25
    summary = run.summary(16, 30)
    assert summary["Request Rate (req/s)"] == 60
    assert summary["self_check"]["send_lateness_ms"]["count"] == 30


def _max_in_flight(rows) -> int:
    events = sorted([(r["start_time"], 1) for r in rows] + [(r["completed_time"], -1) for r in rows])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_rate_sweep_capped_by_parallel(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "2", "--rate", "20", "80",
               "-n", "12", "24", "--dataset-path", prompts, "--no-test-connection", "--stream")
    assert run.rc == 0, run.stderr
    slow, fast = run.summary_at("rate_20.0_number_12"), run.summary_at("rate_80.0_number_24")
    assert (slow["Request Rate (req/s)"], fast["Request Rate (req/s)"]) == (20, 80)
    assert slow["Concurrency"] == fast["Concurrency"] == 2
    assert len(run.rows_at("rate_20.0_number_12")) == 12 and len(run.rows_at("rate_80.0_number_24")) == 24
    assert _max_in_flight(run.rows_at("rate_80.0_number_24")) <= 2  # the cap holds
    # 2 slots of ~70 ms each cap the 80/s run near 28/s: the summary says the offered load was capped
    assert any("below --rate" in w for w in fast["warnings"])
    assert "Sweep" in run.stderr and "rate (req/s)" in (run.root / "perf_report.html").read_text()


def test_open_loop_ignores_parallel(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "1", "--open-loop",
               "--rate", "100", "-n", "30", "--dataset-path", prompts, "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows_at("rate_100.0_number_30")
    assert len(rows) == 30 and all(r["success"] for r in rows)
    assert _max_in_flight(rows) > 2  # ~70 ms per request at 100/s: several in flight despite --parallel 1
    summary = run.summary_at("rate_100.0_number_30")
    assert summary["Concurrency"] is None and summary["Request Rate (req/s)"] == 100
    assert not any("below --rate" in w for w in summary["warnings"])
    assert server.stats()["by_endpoint"]["chat"] == 30


@pytest.mark.parametrize("transport", ["fast", "aiohttp"])
def test_sweep_and_non_stream(server, perf, prompts, transport):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "1", "3", "-n", "3", "6",
               "--no-stream", "--dataset-path", prompts, "--no-test-connection", "--transport", transport)
    assert run.rc == 0, run.stderr
    assert len(run.rows(1, 3)) == 3 and len(run.rows(3, 6)) == 6
    s = run.summary(3, 6)
    assert s["Avg TTFT (ms)"] is None and s["Avg Latency (s)"] >= 0.02
    assert all(r["is_stream"] == 0 for r in run.rows(3, 6))
    assert "Sweep" in run.stderr and server.stats()["by_endpoint"]["chat"] == 9


def test_completions_url_and_random_without_tokenizer(server, perf):
    run = perf("--url", server.url + "/completions", "--model", "m", "-n", "5", "--dataset", "random",
               "--min-prompt-length", "10", "--max-prompt-length", "20", "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(1, 5)
    assert all(10 <= r["prompt_tokens"] <= 20 and r["prompt_token_source"] == "usage" for r in rows)
    assert "without --tokenizer-path" in run.stderr
    assert server.stats()["by_endpoint"] == {"completions": 5}


def test_speed_benchmark_rejects_chat_url(server, perf):
    run = perf("--url", server.url + "/chat/completions", "--dataset", "speed_benchmark", "-n", "2")
    assert run.rc == 2 and "chat endpoint" in run.stderr and "/v1/completions" in run.stderr
    ok = perf("--url", server.url + "/completions", "--dataset", "speed_benchmark", "-n", "8", "--no-test-connection",
              "--max-tokens", "4")
    assert ok.rc == 0, ok.stderr
    assert "Speed benchmark" in ok.stderr


def test_embeddings(server, perf, tmp_path):
    path = tmp_path / "inputs.txt"
    path.write_text("alpha beta\ngamma delta epsilon\n")
    run = perf("--url", server.url, "--api", "openai_embedding", "--model", "e", "--parallel", "2", "-n", "6",
               "--dataset", "embedding", "--dataset-path", str(path))
    assert run.rc == 0, run.stderr
    s = run.summary(2, 6)
    assert s["Success Requests"] == 6 and s["Input Throughput (tok/s)"] > 0 and s.get("Avg TTFT (ms)") is None
    assert server.stats()["by_endpoint"]["embeddings"] == 7


def test_connection_test_failure_is_clear(perf):
    run = perf("--url", "http://127.0.0.1:9/v1/chat/completions", "-n", "1", "--prompt", "hi", "--wait-for-server", "0")
    assert run.rc == 1 and "connection test" in run.stderr and "Traceback" not in run.stderr


def test_connection_test_waits_for_a_server_that_is_still_starting(tmp_path):
    import socket
    import subprocess
    import sys
    import time

    from evalscope.perf.mock_server import run_in_thread

    with socket.socket() as sock:  # a free loopback port, nothing listening yet
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "evalscope", "perf", "--url", f"http://127.0.0.1:{port}/v1/chat/completions",
           "--model", "m", "-n", "2", "--prompt", "hi", "--outputs-dir", str(tmp_path), "--no-timestamp", "--name", "w",
           "--wait-for-server", "30", "--no-html"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)  # the first attempts are refused
        with run_in_thread(port=port, output_tokens=2) as srv:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert "asking again" in err
            assert srv.stats()["total_requests"] == 3  # the connection test, then the 2 requests
    finally:
        proc.kill()


def test_a_4xx_connection_test_fails_at_once(perf, tmp_path):
    import time

    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(api_key="sk-right") as srv:
        t = time.perf_counter()
        run = perf("--url", srv.url, "--model", "m", "--api-key", "sk-wrong", "-n", "1", "--prompt", "hi")
        assert run.rc == 1 and "HTTP 401" in run.stderr and "asking again" not in run.stderr
        assert time.perf_counter() - t < 20 and srv.stats()["total_requests"] == 1


def test_bad_flags_are_usage_errors(perf, server):
    run = perf("--url", server.url, "--parallel", "1", "2", "-n", "1", "2", "3")
    assert run.rc == 2 and "number" in run.stderr
    run = perf("--url", server.url, "--dataset", "opnqa")
    assert run.rc == 2 and "openqa" in run.stderr


def test_duration_stops_sending(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "2", "-n", "1000",
               "--duration", "0.5", "--dataset-path", prompts, "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(2, 1000)
    assert 2 <= len(rows) < 100 and run.summary(2, 1000)["Total Requests"] == len(rows)
    assert server.stats()["by_endpoint"]["chat"] == len(rows)


def test_tokenizer_without_transformers_is_a_clear_error(server, perf, prompts):
    try:  # transformers is not a dependency; when it is installed this test does not apply
        import transformers  # noqa: F401
        pytest.skip("transformers is installed")
    except ImportError:
        pass
    run = perf("--url", server.url, "--tokenizer-path", "some/tokenizer", "--dataset-path", prompts, "-n", "1")
    assert run.rc == 2 and "pip install transformers" in run.stderr


def test_each_run_and_warm_up_gets_prompts_of_its_own(server, perf, prompts):
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "--parallel", "1", "2", "-n", "2", "3",
               "--warmup-num", "1", "--dataset-path", prompts, "--no-test-connection")
    assert run.rc == 0, run.stderr
    stats = server.stats()
    assert stats["total_requests"] == 7 and stats["max_prompt_count"] == 1  # 7 prompts, none sent twice
    server.reset()
    run = perf("--url", server.url + "/chat/completions", "--model", "m", "-n", "3", "--dataset-offset", "2",
               "--dataset-path", prompts, "--no-test-connection", name="offset")
    assert run.rc == 0, run.stderr
    assert sorted(server.stats()["prompts"]) == [f"question number {i}" for i in (2, 3, 4)]


def test_random_vl_sends_generated_images(server, perf):
    import json

    run = perf("--url", server.url, "--model", "m", "--dataset", "random_vl", "--min-prompt-length", "3",
               "--max-prompt-length", "6", "--image-num", "2", "--image-width", "48", "--image-height", "24", "-n", "3",
               "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(1, 3)
    assert len(rows) == 3 and all(r["success"] for r in rows)
    for r in rows:
        parts = json.loads(r["request"])["messages"][0]["content"]
        assert [p["type"] for p in parts] == ["text", "image_url", "image_url"]
        assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    bad = perf("--url", server.url + "/completions", "--model", "m", "--dataset", "random_vl", "--max-prompt-length", "5",
               "-n", "1", "--no-test-connection", name="bad")
    assert bad.rc != 0 and "must be a chat endpoint" in bad.stderr


def test_a_dataset_too_small_for_the_sweep_repeats_with_a_warning(server, perf, tmp_path):
    data = tmp_path / "three.txt"
    data.write_text("p one\np two\np three\n")
    run = perf("--url", server.url, "--model", "m", "--dataset", "line_by_line", "--dataset-path", str(data),
               "--parallel", "1", "2", "-n", "2", "3", "--no-test-connection")
    assert run.rc == 0, run.stderr
    assert "has 3 prompts; they repeat from here on" in run.stderr
    assert server.stats()["prompts"] == {"p one": 2, "p two": 2, "p three": 1}  # 2 + 3 requests in order
