"""--multi-turn pieces on canned data: conversation files, turn splitting, per-conversation and per-turn metrics."""

import json

import pytest

from evalscope.errors import ConfigError, DatasetError, UsageError
from evalscope.perf.datasets import load_conversations, load_items
from evalscope.perf.datasets.conversations import split_turns
from evalscope.perf.main import perf_args_from
from evalscope.perf.records import RequestRecord
from evalscope.perf.runner import RunResult
from evalscope.perf.summary import summarize
from evalscope.perf.traces import trace_summary


def args(**kw):
    return perf_args_from({"model": "m", **kw})


def test_split_turns_drops_reference_replies_and_keeps_system_with_the_first_turn():
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a"},
            {"role": "user", "content": "u2"}, {"role": "assistant", "content": "b"}]
    assert split_turns(msgs) == [[msgs[0], msgs[1]], [msgs[3]]]


def test_custom_multi_turn_file(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps([{"role": "user", "content": "hello"}, {"role": "assistant", "content": "x"},
                                {"role": "user", "content": "again"}, {"role": "assistant", "content": "y"},
                                {"role": "user", "content": "third"}]) + "\n\n"
                    + json.dumps({"messages": [{"role": "user", "content": "solo"}]}) + "\n")
    a = args(dataset="custom_multi_turn", dataset_path=str(path))
    assert a.multi_turn  # implied by the dataset
    convs = load_conversations(a, 3)
    assert [[m["content"] for turn in c for m in turn] for c in convs] == [["hello", "again", "third"], ["solo"],
                                                                          ["hello", "again", "third"]]  # cycled
    assert [len(c) for c in load_conversations(args(dataset="custom_multi_turn", dataset_path=str(path), max_turns=2), 2)] == [2, 1]


def test_custom_multi_turn_bad_lines_name_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps([{"role": "user", "content": "ok"}]) + "\n" + json.dumps([{"speaker": "me"}]) + "\n")
    with pytest.raises(DatasetError, match=r"bad.jsonl:2: message 0 is not an OpenAI message"):
        load_conversations(args(dataset="custom_multi_turn", dataset_path=str(path)), 5)
    path.write_text("{not json\n")
    with pytest.raises(DatasetError, match=r"bad.jsonl:1: not valid JSON"):
        load_conversations(args(dataset="custom_multi_turn", dataset_path=str(path)), 1)


def test_sharegpt_both_layouts_and_length_filter(tmp_path):
    path = tmp_path / "sg.jsonl"
    path.write_text("\n".join([
        json.dumps({"conversation": [{"human": "first question", "assistant": "a"}, {"human": "second", "assistant": "b"}]}),
        json.dumps({"conversations": [{"from": "human", "value": "q one"}, {"from": "gpt", "value": "r"},
                                      {"from": "human", "value": "q two"}]}),
        json.dumps({"conversation": [{"human": "x" * 500, "assistant": "too long"}]}),
    ]))
    convs = load_conversations(args(dataset="share_gpt_en_multi_turn", dataset_path=str(path), max_prompt_length=100), 2)
    assert convs == [[[{"role": "user", "content": "first question"}], [{"role": "user", "content": "second"}]],
                     [[{"role": "user", "content": "q one"}], [{"role": "user", "content": "q two"}]]]
    path.write_text(json.dumps({"dialog": []}))
    with pytest.raises(DatasetError, match="sg.jsonl:1: no 'conversation'"):
        load_conversations(args(dataset="share_gpt_zh_multi_turn", dataset_path=str(path)), 1)


def test_random_multi_turn_turn_counts():
    a = args(dataset="random_multi_turn", min_turns=2, max_turns=4, min_prompt_length=3, max_prompt_length=5)
    convs = load_conversations(a, 30)
    assert {len(c) for c in convs} <= {2, 3, 4} and len({len(c) for c in convs}) > 1
    assert all(3 <= len(turn[0]["content"].split()) <= 5 for c in convs for turn in c)
    with pytest.raises(UsageError, match="--max-turns"):
        load_conversations(args(dataset="random_multi_turn", max_prompt_length=5), 1)


def test_dataset_kind_mismatches_are_clear(tmp_path):
    with pytest.raises(UsageError, match="needs a conversation dataset"):
        load_conversations(args(multi_turn=True, prompt="hi"), 1)
    with pytest.raises(ConfigError, match="does not take --rate"):
        args(dataset="random_multi_turn", max_turns=2, rate=5)
    with pytest.raises(ConfigError, match="max-turns"):
        args(multi_turn=True, min_turns=3, max_turns=2)
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps([{"role": "user", "content": "x"}]) + "\n")
    a = args(dataset="custom_multi_turn", dataset_path=str(path))
    a.multi_turn = False  # as a plugin with multi_turn = True under another name would arrive
    with pytest.raises(UsageError, match="add --multi-turn"):
        load_items(a, 1)


def rec(i, trace, turn, send, ttft, end, ok=True, out=3, prompt=10, cached=None):
    usage = {"prompt_tokens": prompt, "completion_tokens": out}
    if cached is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return RequestRecord(request_id=i, request="{}", stream=True, ready_time=send, send_time=send,
                         chunk_times=[send + ttft, end] if ok else [], end_time=end, success=ok,
                         error=None if ok else "HTTP 500", trace_id=trace, turn=turn, completion_tokens=out if ok else None,
                         prompt_tokens=prompt, usage=usage if ok else None)


def test_trace_summary_on_canned_turns():
    records = [rec(0, 0, 1, 0.0, 0.1, 0.5), rec(1, 0, 2, 0.6, 0.05, 1.0),     # conversation 0: complete
               rec(2, 1, 1, 0.0, 0.2, 0.4), rec(3, 1, 2, 0.5, 0.0, 0.5, ok=False)]  # conversation 1: abandoned
    t = trace_summary(records)
    assert (t["n_traces"], t["n_completed"], t["n_abandoned"]) == (2, 1, 1)
    rows = {r["metric"]: r for r in t["rows"]}
    assert rows["Latency (s)"]["mean"] == pytest.approx(1.0)
    assert rows["First-Turn TTFT (s)"]["mean"] == pytest.approx(0.1)
    # turn 1: 2 tokens after the first in 0.4 s; turn 2: 2 in 0.35 s
    assert rows["Decode TPS"]["mean"] == pytest.approx((2 / 0.4 + 2 / 0.35) / 2)
    assert rows["Cache Hit Rate (%)"]["mean"] is None  # the server reported no cached tokens
    assert rows["TTFAT (s)"]["mean"] == pytest.approx(0.65)  # 0.6 + 0.05 - 0.0
    assert rows["Turns"]["max"] == 2 and rows["Output tokens"]["mean"] == 6
    assert trace_summary([rec(0, None, None, 0, 0.1, 0.2)])["n_traces"] == 0


def test_turn_metrics_and_server_reported_cache_hits():
    records = [rec(0, 0, 1, 0.0, 0.1, 0.5, prompt=10, cached=0), rec(1, 0, 2, 0.6, 0.02, 1.0, prompt=30, cached=20)]
    s = summarize(RunResult(parallel=1, number=1, records=records, wall_origin=0.0, duration=1.0)).to_json()
    assert s["Avg Turns/Request"] == 1.5
    assert s["Avg First-Turn TTFT (ms)"] == pytest.approx(100) and s["Avg Subsequent-Turn TTFT (ms)"] == pytest.approx(20)
    assert s["KV Cache Hit Rate (%)"] == pytest.approx(50.0)  # 20 of 40 prompt tokens
    no_cache = [rec(0, 0, 1, 0.0, 0.1, 0.5), rec(1, 0, 2, 0.6, 0.02, 1.0)]
    s = summarize(RunResult(parallel=1, number=1, records=no_cache, wall_origin=0.0, duration=1.0)).to_json()
    assert s["KV Cache Hit Rate (%)"] is None  # the server said nothing: not estimated
    single = [rec(0, None, None, 0.0, 0.1, 0.5)]
    s = summarize(RunResult(parallel=1, number=1, records=single, wall_origin=0.0, duration=1.0)).to_json()
    assert "Avg Turns/Request" not in s and "KV Cache Hit Rate (%)" not in s


def test_turn_prompts_for_the_tokenizer_are_the_contexts_sent_on_any_endpoint(tmp_path):
    import asyncio

    from evalscope.perf.main import make_api
    from evalscope.perf.mock_server import run_in_thread
    from evalscope.perf.runner import run_conversations
    from evalscope.perf.tokens import fill_tokens

    class Words:  # a tokenizer stand-in: one token per word
        def count(self, text):
            return len(text.split())

    convs = [[[{"role": "user", "content": "one two"}], [{"role": "user", "content": "three"}]]]
    with run_in_thread(output_tokens=2) as srv:
        for url in (srv.url + "/chat/completions", srv.url + "/completions"):
            a = args(url=url, multi_turn=True, tokenizer_path="words", no_test_connection=True,
                     extra_args={"stream_options": {"include_usage": False}})
            spec = a.runs[0]
            result = asyncio.run(run_conversations(a, make_api(a), convs, spec))
            assert [r.success for r in result.records] == [True, True] and len(result.prompts) == 2
            fill_tokens(result.records, result.prompts, Words())
            reply = result.records[0].text
            assert [r.prompt_token_source for r in result.records] == ["tokenizer", "tokenizer"]
            assert result.records[0].prompt_tokens == 2
            assert result.records[1].prompt_tokens == 3 + len(reply.split())  # both user turns and the reply
