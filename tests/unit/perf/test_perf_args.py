import pytest

from evalscope.cli.main import build_parser
from evalscope.errors import ConfigError
from evalscope.perf.main import perf_args_from


def parse(*argv):
    ns = build_parser().parse_args(["perf", *argv])
    return perf_args_from({k: v for k, v in vars(ns).items() if v is not None and k != "func"})


def test_evalscope_style_flags():
    a = parse("--parallel", "1", "8", "32", "-n", "100", "800", "3200", "--stream", "--url",
              "http://127.0.0.1:8000/v1/chat/completions", "--headers", "X-A=1", "Authorization=Bearer x",
              "--extra-args", '{"ignore_eos": true}', "--api-key", "sk-1")
    assert a.runs == [(1, 100), (8, 800), (32, 3200)]
    assert a.stream is True and a.extra_args == {"ignore_eos": True}
    assert a.headers == {"X-A": "1", "Authorization": "Bearer x"}
    dump = a.masked_dump()
    assert dump["api_key"] == "**********" and dump["headers"]["Authorization"] == "**********"
    assert dump["headers"]["X-A"] == "1"
    assert a.request_headers()["Authorization"] == "Bearer sk-1"


def test_defaults_and_no_stream():
    a = parse("--no-stream", "--parallel", "4")
    assert a.stream is False and a.runs == [(4, 1000)]
    assert parse("--parallel", "2", "4", "-n", "10").runs == [(2, 10), (4, 10)]


def test_endpoint_urls():
    assert parse("--url", "http://h:1/v1").endpoint_url == "http://h:1/v1/chat/completions"
    assert parse("--url", "http://h:1/v1", "--api", "openai_embedding").endpoint_url == "http://h:1/v1/embeddings"
    assert parse("--url", "http://h:1/v1/completions").is_chat is False
    assert parse("--url", "http://h:1/v1", "--dataset", "speed_benchmark").endpoint_url.endswith("/v1/chat/completions")


def test_errors_name_the_field():
    with pytest.raises(ConfigError, match="number"):
        parse("--parallel", "1", "2", "-n", "1", "2", "3")
    with pytest.raises(ConfigError, match="parallel"):
        parse("--parallel", "0")
    with pytest.raises(ConfigError, match="api_plugin|api-plugin"):
        parse("--api", "custom")


def test_warmup_count():
    a = parse("--warmup-num", "0.1")
    assert a.warmup_count(100) == 10 and a.warmup_count(3) == 1
    assert parse("--warmup-num", "5").warmup_count(100) == 5


def test_bodies():
    from evalscope.perf.apis.base import PromptItem
    from evalscope.perf.main import make_api

    a = parse("--model", "m", "--max-tokens", "7", "--stop", "x", "--extra-args", '{"top_k": 3}')
    body = make_api(a).build_body(PromptItem(messages=[{"role": "user", "content": "hi"}]))
    assert body["messages"][0]["content"] == "hi" and body["max_tokens"] == 7 and body["stop"] == ["x"]
    assert body["stream_options"] == {"include_usage": True} and body["top_k"] == 3
    c = parse("--url", "http://h/v1/completions", "--no-stream")
    body = make_api(c).build_body(PromptItem(prompt="p"))
    assert body["prompt"] == "p" and "stream" not in body
    t = parse("--query-template", '{"model": "%m", "prompt": "%prompt", "x": 1}', "--model", "q",
              "--url", "http://h/v1/completions")
    assert make_api(t).build_body(PromptItem(prompt="hey")) == {"model": "q", "prompt": "hey", "x": 1}


def test_help_is_fast_and_light():
    import subprocess
    import sys
    import time

    t = time.perf_counter()
    code = ("import sys, argparse; import evalscope.cli.perf as p, evalscope.cli.mock_server as m;"
            "sub = argparse.ArgumentParser().add_subparsers(); p.add_parser(sub); m.add_parser(sub);"
            "print([k for k in sys.modules if k.startswith(('aiohttp', 'pydantic', 'evalscope.perf'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert time.perf_counter() - t < 5
