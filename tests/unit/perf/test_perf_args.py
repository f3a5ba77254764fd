import pytest

from evalscope.cli.main import build_parser
from evalscope.errors import ConfigError
from evalscope.perf.main import perf_args_from


def parse(*argv):
    ns = build_parser().parse_args(["perf", *argv])
    return perf_args_from({k: v for k, v in vars(ns).items() if v is not None and k != "func"})


def loads(args):
    return [(r.parallel, r.number) for r in args.runs]


def test_evalscope_style_flags():
    a = parse("--parallel", "1", "8", "32", "-n", "100", "800", "3200", "--stream", "--url",
              "http://127.0.0.1:8000/v1/chat/completions", "--headers", "X-A=1", "Authorization=Bearer x",
              "--extra-args", '{"ignore_eos": true}', "--api-key", "sk-1")
    assert loads(a) == [(1, 100), (8, 800), (32, 3200)]
    assert [r.name for r in a.runs] == ["parallel_1_number_100", "parallel_8_number_800", "parallel_32_number_3200"]
    assert a.stream is True and a.extra_args == {"ignore_eos": True}
    assert a.headers == {"X-A": "1", "Authorization": "Bearer x"}
    dump = a.masked_dump()
    assert dump["api_key"] == "**********" and dump["headers"]["Authorization"] == "**********"
    assert dump["headers"]["X-A"] == "**********"  # every header but known-plain ones: a custom one may be a key
    assert a.request_headers()["Authorization"] == "Bearer sk-1"


def test_defaults_and_no_stream():
    a = parse("--no-stream", "--parallel", "4")
    assert a.stream is False and loads(a) == [(4, 1000)]
    assert loads(parse("--parallel", "2", "4", "-n", "10")) == [(2, 10), (4, 10)]
    assert parse("--parallel", "2").runs[0].rate is None  # closed loop


def test_one_rate_keeps_the_parallel_sweep_and_its_names():
    runs = parse("--parallel", "2", "4", "-n", "10", "20", "--rate", "5").runs
    assert [(r.parallel, r.number, r.rate, r.name) for r in runs] == [
        (2, 10, 5.0, "parallel_2_number_10"), (4, 20, 5.0, "parallel_4_number_20")]


def test_rate_sweep_capped_by_one_parallel():
    runs = parse("--rate", "1", "2.5", "4", "-n", "10", "20", "40", "--parallel", "8").runs
    assert [(r.parallel, r.number, r.rate) for r in runs] == [(8, 10, 1.0), (8, 20, 2.5), (8, 40, 4.0)]
    assert [r.name for r in runs] == ["rate_1.0_number_10", "rate_2.5_number_20", "rate_4.0_number_40"]
    paired = parse("--rate", "1", "2", "--parallel", "4", "8", "-n", "10").runs
    assert [(r.parallel, r.rate, r.name) for r in paired] == [
        (4, 1.0, "parallel_4_rate_1.0_number_10"), (8, 2.0, "parallel_8_rate_2.0_number_10")]


def test_open_loop_has_no_cap():
    runs = parse("--open-loop", "--rate", "5", "10", "-n", "50", "100", "--parallel", "3").runs
    assert [(r.parallel, r.number, r.rate, r.name) for r in runs] == [
        (None, 50, 5.0, "rate_5.0_number_50"), (None, 100, 10.0, "rate_10.0_number_100")]


def test_repeated_runs_get_their_own_directories():
    assert [r.name for r in parse("--parallel", "4", "4", "4", "-n", "10").runs] == [
        "parallel_4_number_10", "parallel_4_number_10_2", "parallel_4_number_10_3"]


def test_rate_sweep_errors():
    with pytest.raises(ConfigError, match="every rate > 0"):
        parse("--rate", "-1", "5")
    with pytest.raises(ConfigError, match="open-loop"):
        parse("--open-loop")  # default rate -1
    with pytest.raises(ConfigError, match="one --parallel"):
        parse("--rate", "1", "2", "3", "--parallel", "1", "2")
    with pytest.raises(ConfigError, match="rate"):
        parse("--rate", "1", "2", "-n", "1", "2", "3")


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
    assert make_api(t).build_body(PromptItem(prompt="hey")) == {
        "model": "q", "prompt": "hey", "x": 1, "max_tokens": 2048, "temperature": 0.0,
        "stream": True, "stream_options": {"include_usage": True}}


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


def test_urls_with_a_query_keep_it_and_the_endpoint_goes_on_the_path():
    azure = "https://x.openai.azure.com/openai/deployments/d?api-version=2024-02-01"
    a = parse("--url", azure)
    assert a.endpoint_url == "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-02-01"
    assert a.is_chat
    full = parse("--url", "http://h:1/v1/chat/completions?api-version=1")
    assert full.endpoint_url == "http://h:1/v1/chat/completions?api-version=1" and full.is_chat
    assert parse("--url", "http://h:1/v1/completions?x=1").is_chat is False


def test_credentials_in_the_url_become_basic_auth_and_never_reach_outputs():
    import base64
    import json

    a = parse("--url", "http://alice:s3cret@127.0.0.1:8000/v1?api-key=sk-q&api-version=2", "--headers",
              "X-Secret=abc", "Authentication=def", "X-Trace=ok")
    assert a.endpoint_url == "http://127.0.0.1:8000/v1/chat/completions?api-key=sk-q&api-version=2"
    assert a.request_headers()["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()
    dump = json.dumps(a.masked_dump())
    for secret in ("s3cret", "alice", "sk-q", "abc", "def"):
        assert secret not in dump
    assert "api-version=2" in dump and "X-Trace" in dump
    assert a.safe_url == "http://127.0.0.1:8000/v1/chat/completions?api-key=**********&api-version=2"
    assert parse("--url", "http://u:p@h:1/v1", "--api-key", "sk-1").request_headers()["Authorization"] == "Bearer sk-1"


def test_output_folder_is_the_models_last_path_part():
    assert parse("--model", "Qwen/Qwen2.5-7B-Instruct").run_name == "Qwen2.5-7B-Instruct"
    assert parse("--model", "/models/qwen/", "--name", "mine").run_name == "mine"
    assert parse("--model", "/models/qwen/").run_name == "qwen"


def test_max_tokens_range_stop_token_ids_and_chat_template_flags():
    from evalscope.perf.apis.base import PromptItem
    from evalscope.perf.main import make_api

    a = parse("--model", "m", "--max-tokens", "10", "20", "--stop-token-ids", "7", "8", "--seed", "3")
    api = make_api(a)
    bodies = [api.build_body(PromptItem(messages=[{"role": "user", "content": "hi"}])) for _ in range(50)]
    drawn = {b["max_tokens"] for b in bodies}
    assert drawn <= set(range(10, 21)) and len(drawn) > 5 and bodies[0]["stop_token_ids"] == [7, 8]
    assert parse("--max-tokens", "64").max_tokens == 64
    with pytest.raises(ConfigError, match="max_tokens|max-tokens"):
        parse("--max-tokens", "20", "10")
    assert parse("--url", "http://h:1/v1/chat/completions", "--apply-chat-template").is_chat
    with pytest.raises(ConfigError, match="contradicts"):
        parse("--url", "http://h:1/v1/completions", "--apply-chat-template")
    with pytest.raises(ConfigError, match="contradicts"):
        parse("--url", "http://h:1/v1/chat/completions", "--no-apply-chat-template")


def test_every_header_and_query_value_but_known_plain_ones_is_masked_and_redacted():
    import json

    a = parse("--url", "https://f.azurewebsites.net/api/x?code=AZCODE123&api-version=2024-02-01", "--headers",
              "X-Custom-Thing=HDRSECRET5", "Content-Type=application/json", "User-Agent=bench/1")
    dump = json.dumps(a.masked_dump())
    assert "AZCODE123" not in dump and "HDRSECRET5" not in dump
    assert "2024-02-01" in dump and "bench/1" in dump
    err = f"connection error: TooManyRedirects: url='{a.endpoint_url}' header HDRSECRET5"
    assert "AZCODE123" not in a.redact(err) and "HDRSECRET5" not in a.redact(err) and "TooManyRedirects" in a.redact(err)


def test_api_key_replaces_an_authorization_header_of_any_case():
    headers = parse("--headers", "authorization=Bearer other", "--api-key", "sk-K").request_headers()
    assert [k for k in headers if k.lower() == "authorization"] == ["Authorization"]
    assert headers["Authorization"] == "Bearer sk-K"
