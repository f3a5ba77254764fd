"""``--query-template``: loaded once (inline or ``@file``), placeholders filled, flags merged as in a normal body."""

import json

import pytest

from evalscope.errors import UsageError
from evalscope.perf.apis.base import PromptItem, encode_body
from evalscope.perf.apis.openai import OpenAIApi
from evalscope.perf.arguments import PerfArgs

CHAT = "http://127.0.0.1:1/v1/chat/completions"
COMPLETIONS = "http://127.0.0.1:1/v1/completions"
EVALSCOPE_DOC = ('{"model": "%m", "messages": [{"role": "user", "content": "%p"}], "stream": true, '
                 '"skip_special_tokens": false, "stop": ["<|im_end|>"], "temperature": 0.7, "max_tokens": 1024}')


def api(template, url=CHAT, **kw):
    return OpenAIApi(PerfArgs(url=url, model="m1", query_template=template, **kw))


def body(a, text="hello", **item):
    return a.build_body(PromptItem(prompt=text) if not item else PromptItem(**item))


def test_evalscope_doc_template_streams_with_the_flags_merged():
    b = body(api(EVALSCOPE_DOC, extra_args={"ignore_eos": True, "skip_special_tokens": True}))
    assert b == {
        "model": "m1", "messages": [{"role": "user", "content": "hello"}], "stream": True,
        "stream_options": {"include_usage": True}, "skip_special_tokens": True, "stop": ["<|im_end|>"],
        "temperature": 0.0, "max_tokens": 2048, "ignore_eos": True,
    }  # as EvalScope: the flags (and their defaults) prevail over the template, extra_args over both


def test_stream_fields_added_and_removed_with_the_flag():
    template = '{"messages": [{"role": "user", "content": "%prompt"}], "custom": 1}'
    streamed = body(api(template, max_tokens=7))
    assert streamed["stream"] is True and streamed["stream_options"] == {"include_usage": True}
    assert streamed["max_tokens"] == 7 and streamed["custom"] == 1 and streamed["model"] == "m1"
    plain = body(api('{"stream": true, "stream_options": {"include_usage": false}, "messages": []}', stream=False))
    assert "stream" not in plain and "stream_options" not in plain


def test_file_template_is_read_once(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "Q: %p — %m"}], "n": 2}), encoding="utf-8")
    a = api(f"@{path}")
    path.unlink()  # built from the loaded template, not the file
    bodies = [body(a, t) for t in ("one", "two")]
    assert [b["messages"] for b in bodies] == [[{"role": "user", "content": f"Q: {t} — m1"}] for t in ("one", "two")]
    assert json.loads(encode_body(a, PromptItem(prompt="x")))["n"] == 2


def test_prompt_text_is_not_searched_for_placeholders():
    b = body(api('{"messages": [{"role": "user", "content": "[%p] %m"}]}'), "100%m and %prompt")
    assert b["messages"][0]["content"] == "[100%m and %prompt] m1"


@pytest.mark.parametrize("template", ['{"messages": []}', '{"top_p": 0.5}',
                                      '{"messages": [{"role": "user", "content": "x"}]}'])
def test_template_without_placeholder_gets_the_prompt_as_in_evalscope(template):
    a = api(template)
    bodies = [body(a, t) for t in ("a", "b")]
    assert [b["messages"] for b in bodies] == [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]]


def test_placeholder_message_takes_the_whole_conversation():
    convo = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"},
             {"role": "user", "content": [{"type": "text", "text": "see"},
                                          {"type": "image_url", "image_url": {"url": "x"}}]}]
    template = '{"messages": [{"role": "system", "content": "be brief, %m"}, {"role": "user", "content": "%p"}]}'
    b = body(api(template), messages=convo)
    assert b["messages"] == [{"role": "system", "content": "be brief, m1"}, *convo]


def test_completions_url():
    b = body(api('{"prompt": "Q: %p\\nA:", "echo": false}', url=COMPLETIONS), "2+2?")
    assert b["prompt"] == "Q: 2+2?\nA:" and "messages" not in b and b["echo"] is False
    assert body(api('{"echo": false}', url=COMPLETIONS), "2+2?")["prompt"] == "2+2?"


@pytest.mark.parametrize("spec,words", [
    ('{"messages": [', "not valid JSON"),
    ('["%p"]', "must be a JSON object"),
    ("@/nonexistent/dir/t.json", "cannot be read"),
])
def test_bad_template_is_a_usage_error(spec, words):
    with pytest.raises(UsageError, match=words) as info:
        api(spec)
    assert "--query-template" in str(info.value)


def test_bad_template_file_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{'single': 'quotes'}")
    with pytest.raises(UsageError, match="broken.json.*not valid JSON"):
        api(f"@{path}")
