import time

import pytest

from evalscope.perf.mock_server.config import MockServerConfig, Rule, load_script
from evalscope.perf.mock_server.generate import build_reply, match_text
from evalscope.perf.mock_server.script import Script, count_tokens, split_tokens


def rules(*items):
    return [Rule.model_validate(r) for r in items]


def test_first_match_wins_across_kinds():
    s = Script(rules(
        {"contains": "x", "reply": "short"},
        {"contains": "long needle here", "reply": "gram"},
        {"exact": "hello long needle here", "reply": "exact"},
    ))
    assert s.match("hello long needle here")[0] == 1
    assert s.match("x and long needle here")[0] == 0
    assert s.match("nothing") is None


def test_exact_sha_regex():
    import hashlib

    text = "What is 2+2?"
    s = Script(rules(
        {"regex": r"^Translate\b", "reply": "r"},
        {"sha256": hashlib.sha256(text.encode()).hexdigest(), "reply": "sha"},
        {"exact": "abc", "reply": "e"},
    ))
    assert s.match("Translate this")[1].reply == "r"
    assert s.match(text)[1].reply == "sha"
    assert s.match("abc")[1].reply == "e"


def test_rule_needs_one_matcher():
    with pytest.raises(ValueError):
        Rule.model_validate({"reply": "no matcher"})
    with pytest.raises(ValueError):
        Rule.model_validate({"contains": "a", "regex": "b", "reply": "x"})


def test_1500_rules_are_fast():
    s = Script(rules(*[{"contains": f"Question number {i:05d} about apples", "reply": str(i)} for i in range(1500)]))
    texts = [f"Solve step by step.\nQuestion number {i:05d} about apples and pears." * 3 for i in range(1500)]
    t = time.perf_counter()
    for i, text in enumerate(texts):
        assert s.match(text)[1].reply == str(i)
    assert (time.perf_counter() - t) / len(texts) < 0.002


def test_load_script_json_and_jsonl(tmp_path):
    (tmp_path / "a.json").write_text('[{"contains": "a", "reply": "1"}]')
    (tmp_path / "b.jsonl").write_text('{"contains": "b", "reply": "2"}\n\n{"regex": "c", "reply": "3"}\n')
    assert load_script(tmp_path / "a.json")[0].reply == "1"
    assert [r.reply for r in load_script(tmp_path / "b.jsonl")] == ["2", "3"]
    (tmp_path / "bad.jsonl").write_text('{"contains": "b", "reply": "2"}\n{"nope": 1}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        load_script(tmp_path / "bad.jsonl")


def test_tokens():
    assert split_tokens("The answer is 4.") == ["The ", "answer ", "is ", "4."]
    assert count_tokens("") == 0


def test_reply_lengths():
    cfg = MockServerConfig(output_tokens=10)
    assert len(build_reply(cfg, {}, "q", None).content) == 10
    r = build_reply(cfg, {"max_tokens": 4}, "q", None)
    assert len(r.content) == 4 and r.finish_reason == "length"
    assert len(build_reply(cfg, {"min_tokens": 20}, "q", None).content) == 20
    r = build_reply(cfg, {"max_tokens": 30, "ignore_eos": True}, "q", None)
    assert len(r.content) == 30 and r.finish_reason == "length"
    rule = Rule(contains="q", reply="one two", reasoning="think hard")
    r = build_reply(cfg, {}, "q", rule)
    assert "".join(r.content) == "one two" and "".join(r.reasoning) == "think hard" and r.finish_reason == "stop"
    echo = MockServerConfig(mode="echo")
    assert "".join(build_reply(echo, {}, "say this back", None).content) == "say this back"


def test_match_text():
    body = {"messages": [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "a"},
        {"role": "user", "content": [{"type": "text", "text": "last"}, {"type": "image_url", "image_url": {}}]},
    ]}
    assert match_text(body, "chat") == "last"
    assert match_text({"prompt": ["p1", "p2"]}, "completions") == "p1"


def test_config_script_from_path(tmp_path):
    path = tmp_path / "rules.jsonl"
    path.write_text('{"contains": "gsm8k", "reply": "#### 72"}\n')
    cfg = MockServerConfig(script=str(path))
    assert cfg.script[0].reply == "#### 72"


@pytest.mark.parametrize("raw", [b'{"a": 1, "b": [true, null], "c": "\\u00e9"}', b'{"t": NaN, "u": -Infinity}',
                                 b'{"s": "\\ud800"}', b'[1, 2]'])
def test_mock_reads_bodies_as_the_standard_library_does(raw):
    """orjson when installed, json for what orjson refuses: the mock accepts exactly what json accepts."""
    import json
    import math

    from evalscope.perf.mock_server.app import _loads

    got, want = _loads(raw), json.loads(raw)
    assert json.dumps(got) == json.dumps(want) or any(isinstance(v, float) and math.isnan(v) for v in got.values())


def test_mock_reads_integers_past_64_bits_as_floats_with_orjson():
    """The one documented difference: orjson gives such an integer as a float (json: the exact int)."""
    from evalscope.perf.mock_server import app

    value = app._loads(b'{"big": 123456789012345678901234567890}')["big"]
    assert value == (123456789012345678901234567890 if app._fast_loads is None else 1.2345678901234568e29)


@pytest.mark.parametrize("raw", [b'{"a": ', b"\xff\xfe{", b"", b"{'a': 1}"])
def test_mock_refuses_what_json_refuses(raw):
    from evalscope.perf.mock_server.app import _loads

    with pytest.raises((ValueError, UnicodeDecodeError)):
        _loads(raw)
