"""`evalscope perf --query-template` as a subprocess against the mock server: streamed, one body per prompt."""

import json

import pytest
from perf_cli_helpers import perf  # noqa: F401  (the `perf` fixture: run `evalscope perf` as a subprocess)

from evalscope.perf.mock_server import run_in_thread

TOKENS = 5


@pytest.fixture(scope="module")
def server():
    with run_in_thread(ttft_ms=5, itl_ms=1, output_tokens=TOKENS) as srv:
        yield srv


@pytest.fixture
def prompts(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(f'{{"question": "question number {i}"}}\n' for i in range(4)))
    return str(path)


@pytest.mark.parametrize("form", ["inline", "file"])
def test_query_template_streams_with_one_body_per_prompt(server, perf, prompts, tmp_path, form):
    template = json.dumps({"model": "%m", "messages": [{"role": "system", "content": "terse"},
                                                       {"role": "user", "content": "%p"}],
                           "skip_special_tokens": False})
    if form == "file":
        (tmp_path / "template.json").write_text(template)
        template = f"@{tmp_path / 'template.json'}"
    run = perf("--url", server.url + "/chat/completions", "--model", "mock", "--parallel", "2", "-n", "4",
               "--dataset", "openqa", "--dataset-path", prompts, "--query-template", template,
               "--max-tokens", "64", "--extra-args", '{"chat_template_kwargs": {"enable_thinking": false}}')
    assert run.rc == 0, run.stderr
    rows = run.rows(2, 4)
    assert len(rows) == 4 and all(r["success"] == 1 and r["is_stream"] == 1 for r in rows), rows[0]
    assert all(r["completion_tokens"] == TOKENS for r in rows)
    bodies = [json.loads(r["request"]) for r in rows]
    assert sorted(b["messages"][1]["content"] for b in bodies) == [f"question number {i}" for i in range(4)]
    for b in bodies:
        assert b["model"] == "mock" and b["messages"][0] == {"role": "system", "content": "terse"}
        assert b["stream"] is True and b["stream_options"] == {"include_usage": True}
        assert b["skip_special_tokens"] is False and b["max_tokens"] == 64
        assert b["chat_template_kwargs"] == {"enable_thinking": False}


def test_bad_query_template_is_a_usage_error(server, perf, prompts, tmp_path):
    run = perf("--url", server.url + "/chat/completions", "--model", "mock", "-n", "1", "--dataset", "openqa",
               "--dataset-path", prompts, "--query-template", f"@{tmp_path / 'missing.json'}")
    assert run.rc == 2 and "--query-template" in run.stderr and "missing.json" in run.stderr
    assert "Traceback" not in run.stderr
