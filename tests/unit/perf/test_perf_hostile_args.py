"""Issue 8, defects 3, 6 and 14: flags a hostile or careless user passes are usage errors, not surprises."""

import pytest

from evalscope.cli.main import build_parser
from evalscope.errors import ConfigError, UsageError
from evalscope.perf.main import perf_args_from


def parse(*argv):
    ns = build_parser().parse_args(["perf", *argv])
    return perf_args_from({k: v for k, v in vars(ns).items() if v is not None and k != "func"})


@pytest.mark.parametrize("argv", [
    ("--max-tokens", "0"), ("--max-tokens", "-5"), ("--duration", "-1"), ("--duration", "0"),
    ("--read-timeout", "-1"), ("--read-timeout", "0"), ("--connect-timeout", "-3"), ("--total-timeout", "-1"),
    ("--warmup-num", "-1"),
])
def test_nonsense_numbers_are_usage_errors(argv):
    with pytest.raises(ConfigError, match=argv[0].lstrip("-").replace("-", "_")):
        parse(*argv)


@pytest.mark.parametrize("header", ["X-A=b\r\nX-Injected: yes", "X-A=b\nX-Injected: yes", "X-A=b\rc",
                                    "X-A=b\0c", "X-A\r\nX-B=c", "X A=b", "X:A=b"])
def test_header_injection_is_refused(header):
    with pytest.raises(ConfigError, match="header"):
        parse("--headers", header)


def test_api_key_cannot_inject_a_header():
    with pytest.raises(ConfigError, match="api_key"):
        parse("--api-key", "sk-1\r\nX-Injected: yes")


def test_non_latin1_header_value_is_a_usage_error():
    with pytest.raises(ConfigError, match="Latin-1"):
        parse("--headers", "X-A=é€")
    assert parse("--headers", "X-A=café").headers == {"X-A": "café"}  # Latin-1 is sendable


def test_invalid_ipv6_url_is_a_usage_error():
    with pytest.raises(ConfigError, match="url"):
        parse("--url", "http://[::1/v1")


@pytest.mark.parametrize("name", ["..", ".", " ", "../x", "a/../../b"])
def test_name_is_one_path_component(name):
    with pytest.raises(ConfigError, match="name"):
        parse("--name", name)


def test_model_dot_dot_stays_inside_the_outputs_dir():
    assert parse("--model", "org/..").run_name not in ("..", ".", "")
    assert parse("--model", "org/.").run_name not in ("..", ".", "")
    assert parse("--model", "Qwen/Qwen2.5-7B").run_name == "Qwen2.5-7B"


def test_default_read_timeout_is_bounded():
    a = parse()
    assert a.read_timeout == 600 and a.total_timeout == 6 * 3600
    assert parse("--read-timeout", "5").read_timeout == 5


def test_fasthttp_refuses_control_characters_defensively():
    from evalscope.perf.fasthttp import Transport

    for headers in ({"X-A": "b\r\nX-Injected: yes"}, {"X-A\n": "b"}, {"X-A": "b\0"}):
        with pytest.raises(UsageError, match="header"):
            Transport("http://127.0.0.1:1/v1/chat/completions", headers, None, None, None)
