"""`evalscope perf --multi-turn` as a subprocess against the mock server: context, abandonment, outputs."""

import json

import pytest
from perf_cli_helpers import perf  # noqa: F401  (the `perf` fixture)

from evalscope.perf.mock_server import run_in_thread


@pytest.fixture(scope="module")
def server():
    with run_in_thread(ttft_ms=15, itl_ms=2, output_tokens=4,
                       script=[{"contains": "break here", "fault": {"kind": "http_500"}}]) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset(server):
    server.reset()


def conversations(tmp_path, *convs):
    path = tmp_path / "conv.jsonl"
    lines = []
    for turns in convs:
        msgs = []
        for text in turns:
            msgs += [{"role": "user", "content": text}, {"role": "assistant", "content": "(reference reply)"}]
        lines.append(json.dumps(msgs))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_each_turn_carries_the_servers_real_replies(server, perf, tmp_path):
    data = conversations(tmp_path, ["alpha one", "alpha two", "alpha three"], ["beta one", "beta two"])
    run = perf("--url", server.url, "--model", "m", "--dataset", "custom_multi_turn", "--dataset-path", data,
               "--parallel", "2", "-n", "4", "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = sorted(run.rows(2, 4), key=lambda r: (r["trace_id"], r["turn"]))
    assert len(rows) == 10 and all(r["success"] for r in rows)  # 4 conversations: 3 + 2 + 3 + 2 turns
    assert [(r["trace_id"], r["turn"]) for r in rows][:5] == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2)]
    by_key = {(r["trace_id"], r["turn"]): r for r in rows}
    for (trace, turn), r in by_key.items():
        messages = json.loads(r["request"])["messages"]
        assert len(messages) == 2 * turn - 1
        if turn > 1:  # the previous turn's reply, as the server sent it (not the file's reference reply)
            previous = by_key[(trace, turn - 1)]["response_messages"][0]["text"]
            assert messages[-2] == {"role": "assistant", "content": previous} and previous
    summary = run.summary(2, 4)
    assert summary["Total Requests"] == 10 and summary["Avg Turns/Request"] == pytest.approx(1.8)
    assert summary["Avg First-Turn TTFT (ms)"] == pytest.approx(15, abs=12)
    traces = run.json(2, 4, "trace_summary.json")
    assert (traces["n_traces"], traces["n_completed"], traces["n_abandoned"]) == (4, 4, 0)
    assert {r["metric"]: r for r in traces["rows"]}["Turns"]["mean"] == 2.5
    assert server.stats()["by_endpoint"]["chat"] == 10
    assert "conversations completed" in run.stderr


def test_a_failed_turn_ends_its_conversation_and_max_turns_cuts(server, perf, tmp_path):
    data = conversations(tmp_path, ["gamma one", "break here", "never sent"], ["delta one", "delta two", "delta three"])
    run = perf("--url", server.url, "--model", "m", "--dataset", "custom_multi_turn", "--dataset-path", data,
               "--parallel", "1", "-n", "2", "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(1, 2)
    sent = [json.loads(r["request"])["messages"][-1]["content"] for r in rows]
    assert "never sent" not in sent and sent.count("break here") == 1
    assert [r["success"] for r in rows] == [1, 0, 1, 1, 1]
    traces = run.json(1, 2, "trace_summary.json")
    assert (traces["n_completed"], traces["n_abandoned"]) == (1, 1)
    cut = perf("--url", server.url, "--model", "m", "--dataset", "custom_multi_turn", "--dataset-path", data,
               "--parallel", "1", "-n", "2", "--max-turns", "1", "--no-test-connection", name="cut")
    assert cut.rc == 0, cut.stderr
    assert [r["turn"] for r in cut.rows(1, 2)] == [1, 1]


def test_multi_turn_with_a_rate_is_refused(server, perf, tmp_path):
    data = conversations(tmp_path, ["a"])
    run = perf("--url", server.url, "--model", "m", "--dataset", "custom_multi_turn", "--dataset-path", data,
               "--rate", "5", "--no-test-connection")
    assert run.rc != 0 and "does not take --rate" in run.stderr
    assert server.stats()["total_requests"] == 0
