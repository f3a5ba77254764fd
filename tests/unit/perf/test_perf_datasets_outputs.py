import json

import pytest

from evalscope.errors import DatasetError, UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets import load_items
from evalscope.perf.main import perf_args_from
from evalscope.perf.records import RequestRecord
from evalscope.perf.storage import elide_images, read_db, write_db
from evalscope.perf.tokens import fill_tokens, token_sources


class FakeTokenizer:
    vocab_size = 50

    def encode(self, text):
        return [len(w) for w in text.split()]

    def decode(self, ids):
        return " ".join("x" * (i % 7 + 1) for i in ids)

    def count(self, text):
        return len(self.encode(text))


def args(**kw):
    return perf_args_from(kw)


def test_openqa_cycles_and_filters(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "short"}\n{"question": "a much longer question here"}\n')
    items = load_items(args(dataset_path=str(path), max_prompt_length=10), 3)
    assert [i.messages[0]["content"] for i in items] == ["short"] * 3


def test_dataset_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "ok"}\n{"nope": 1}\n')
    with pytest.raises(DatasetError, match="q.jsonl:2"):
        load_items(args(dataset_path=str(path)), 2)
    with pytest.raises(DatasetError, match="--dataset-path"):
        load_items(args(dataset="line_by_line"), 1)
    with pytest.raises(UsageError, match="Did you mean 'openqa'"):
        load_items(args(dataset="opnqa"), 1)


def test_random_with_tokenizer_knows_prompt_tokens():
    a = args(dataset="random", min_prompt_length=5, max_prompt_length=9, prefix_length=2, seed=1)
    items = load_items(a, 20, FakeTokenizer())
    assert all(7 <= i.prompt_tokens <= 11 for i in items)
    assert len({i.messages[0]["content"].split()[0] for i in items}) == 1  # shared prefix


def test_speed_benchmark_lengths():
    items = load_items(args(dataset="speed_benchmark", url="http://h/v1/completions"), 8)
    assert [len(i.prompt) for i in items] == [1, 1, 6144, 6144, 14336, 14336, 30720, 30720]


def test_fill_tokens_sources():
    items = [PromptItem(prompt="a b c"), PromptItem(prompt="d e", prompt_tokens=7)]
    recs = [
        RequestRecord(request_id=0, request="{}", stream=True, ready_time=0, send_time=0, success=True,
                      text="x y", usage={"prompt_tokens": 3, "completion_tokens": 2}),
        RequestRecord(request_id=1, request="{}", stream=True, ready_time=0, send_time=0, success=True,
                      text="one two three", chunk_texts=["one ", "two three"]),
    ]
    fill_tokens(recs, items, FakeTokenizer())
    assert (recs[0].prompt_tokens, recs[0].prompt_token_source, recs[0].completion_token_source) == (3, "usage", "usage")
    assert (recs[1].prompt_tokens, recs[1].prompt_token_source) == (7, "dataset")
    assert (recs[1].completion_tokens, recs[1].completion_token_source, recs[1].chunk_tokens) == (3, "tokenizer", [1, 2])
    assert token_sources(recs) == {"prompt": {"usage": 1, "dataset": 1}, "completion": {"usage": 1, "tokenizer": 1}}
    none = RequestRecord(request_id=0, request="{}", stream=True, ready_time=0, send_time=0, success=True, text="x")
    fill_tokens([none], [PromptItem(prompt="p")], None)
    assert none.completion_tokens is None and none.completion_token_source is None


def test_db_roundtrip_json_columns(tmp_path):
    body = json.dumps({"messages": [{"content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 500}}]}]})
    rec = RequestRecord(request_id=0, request=body, stream=True, ready_time=0.0, send_time=0.5,
                        chunk_times=[0.6, 0.7], end_time=0.8, success=True, completion_tokens=2, text="hi")
    path = tmp_path / "benchmark_data.db"
    write_db(path, [rec], wall_origin=1000.0)
    (row,) = read_db(path)
    assert row["start_time"] == 1000.5 and row["chunk_times"] == [1000.6, 1000.7]
    assert row["first_chunk_latency"] == pytest.approx(0.1) and row["latency"] == pytest.approx(0.3)
    assert row["response_messages"][0]["text"] == "hi" and row["max_gpu_memory_cost"] is None
    assert "AAAA" not in row["request"] and "elided" in row["request"]
    assert elide_images('{"a": 1}') == '{"a": 1}'


def test_html_report_is_offline(tmp_path):
    from evalscope.perf.report_html import write_report
    from evalscope.perf.runner import RunResult
    from evalscope.perf.summary import summarize

    recs = [RequestRecord(request_id=i, request="{}", stream=True, ready_time=i, send_time=i, chunk_times=[i + 0.1, i + 0.2],
                          end_time=i + 0.3, success=True, completion_tokens=2, prompt_tokens=1) for i in range(5)]
    summaries = [summarize(RunResult(parallel=p, number=5, records=recs, wall_origin=0, duration=4.3)) for p in (1, 2)]
    html = write_report(tmp_path, args(), summaries).read_text()
    assert html.count("<svg") >= 4 and "<script" not in html
    assert "src=" not in html and "href=" not in html and "@import" not in html  # nothing fetched


def test_hub_download_offline_is_a_clear_error(monkeypatch):
    pytest.importorskip("huggingface_hub")
    import importlib

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    try:  # already imported elsewhere in the session: the constant was read at import
        monkeypatch.setattr(importlib.import_module("huggingface_hub.constants"), "HF_HUB_OFFLINE", True)
    except ImportError:
        pass
    with pytest.raises(DatasetError, match=r"could not download open_qa.jsonl .*HC3-Chinese.*--dataset-path"):
        load_items(args(dataset="openqa"), 1)
