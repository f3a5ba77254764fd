"""Failures are records (never a crash); custom plugins; images from a folder."""

import struct
import zlib

import pytest
from perf_cli_helpers import perf  # noqa: F401  (the `perf` fixture: run `evalscope perf` as a subprocess)

from evalscope.perf.mock_server import run_in_thread


@pytest.fixture(scope="module")
def faulty():
    script = [
        {"contains": "drop", "fault": {"kind": "drop", "after_chunks": 2}},
        {"contains": "nodone", "fault": {"kind": "no_done"}},
        {"contains": "badjson", "fault": {"kind": "malformed"}},
        {"contains": "limit", "fault": {"kind": "http_429", "retry_after": 1}},
        {"contains": "boom", "fault": {"kind": "http_500"}},
        {"contains": "slow", "fault": {"kind": "slow", "delay_s": 3}},
    ]
    with run_in_thread(output_tokens=6, ttft_ms=5, itl_ms=1, script=script) as srv:
        yield srv


@pytest.mark.parametrize("transport", ["fast", "aiohttp"])
def test_faults_are_recorded(faulty, perf, tmp_path, transport):
    faulty.reset()
    path = tmp_path / "p.txt"
    path.write_text("ok one\ndrop me\nok two\nnodone here\nbadjson please\nlimit me\nboom now\nslow down\n")
    run = perf("--url", faulty.url + "/chat/completions", "--model", "m", "--parallel", "4", "-n", "8",
               "--dataset", "line_by_line", "--dataset-path", str(path), "--no-test-connection",
               "--read-timeout", "1", "--transport", transport, name=transport)
    assert run.rc == 0, run.stderr
    rows = {r["request_id"]: r for r in run.rows(4, 8)}
    assert len(rows) == 8
    assert rows["0"]["success"] == 1 and rows["2"]["success"] == 1
    errors = {k: rows[k]["error"] for k in rows if not rows[k]["success"]}
    assert errors["1"].startswith("connection dropped")
    assert errors["3"].startswith("stream ended without [DONE]")
    assert errors["4"].startswith("malformed JSON")
    assert errors["5"].startswith("HTTP 429") and errors["6"].startswith("HTTP 500")
    assert errors["7"] == "read timeout: no data for 1 s (--read-timeout)"
    s = run.summary(4, 8)
    assert (s["Success Requests"], s["Failed Requests"]) == (2, 6)
    assert sum(s["errors"].values()) == 6
    assert faulty.stats()["by_fault"] == {"drop": 1, "no_done": 1, "malformed": 1, "http_429": 1, "http_500": 1, "slow": 1}


def test_global_fault_rate_counts_match(perf):
    with run_in_thread(output_tokens=4, faults=[{"kind": "http_500", "rate": 0.3}], seed=3) as srv:
        run = perf("--url", srv.url + "/chat/completions", "--model", "m", "--parallel", "8", "-n", "60",
                   "--prompt", "same prompt", "--no-test-connection")
        assert run.rc == 0, run.stderr
        s = run.summary(8, 60)
        assert s["Failed Requests"] == srv.stats()["by_fault"]["http_500"] > 0
        assert s["Success Requests"] + s["Failed Requests"] == 60


PLUGIN = '''
from evalscope.perf.apis.base import ApiPlugin, PromptItem
from evalscope.perf.datasets.base import DatasetPlugin


class Questions(DatasetPlugin):
    def items(self):
        for i in range(3):
            yield PromptItem(messages=[{"role": "user", "content": f"custom {i}"}])


class TaggedChat(ApiPlugin):
    def build_body(self, item):
        return {"model": "tagged", "messages": item.messages, "stream": True,
                "stream_options": {"include_usage": True}, "max_tokens": 3}
'''


def test_custom_plugins(faulty, perf, tmp_path):
    path = tmp_path / "my_plugin.py"
    path.write_text(PLUGIN)
    faulty.reset()
    run = perf("--url", faulty.url + "/chat/completions", "--api", "custom", "--api-plugin", f"{path}:TaggedChat",
               "--dataset", "custom", "--dataset-plugin", f"{path}:Questions", "-n", "6", "--no-test-connection")
    assert run.rc == 0, run.stderr
    rows = run.rows(1, 6)
    assert all(r["completion_tokens"] == 3 and '"tagged"' in r["request"] for r in rows)
    assert faulty.stats()["prompts"] == {"custom 0": 2, "custom 1": 2, "custom 2": 2}


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_flickr8k_from_folder(faulty, perf, tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(2):
        (folder / f"{i}.png").write_bytes(_png())
    faulty.reset()
    run = perf("--url", faulty.url + "/chat/completions", "--dataset", "flickr8k", "--dataset-path", str(folder),
               "-n", "2", "--no-test-connection", "--model", "vl", "--prompt", "What is in it?")
    assert run.rc == 0, run.stderr
    rows = run.rows(1, 2)
    assert all(r["success"] and '"image_url"' in r["request"] and "data:image/png;base64," in r["request"] for r in rows)
    assert faulty.stats()["prompts"] == {"What is in it?": 2}
