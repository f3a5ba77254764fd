"""JudgeClient: replies cached by prompt hash in the run directory, a cut line skipped, failures not cached."""

from __future__ import annotations

import asyncio

import pytest

from evalscope.api import ModelError, ModelOutput
from evalscope.config.task import JudgeModelArgs
from evalscope.judge import JudgeClient, JudgeError


class Scripted:
    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = 0

    async def generate(self, messages, config):
        self.calls += 1
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return ModelOutput(content=reply)


ARGS = JudgeModelArgs(model="j", api_url="http://127.0.0.1:9/v1")


def test_replies_are_cached_on_disk_and_reused(tmp_path):
    cache = tmp_path / "judge" / "b.jsonl"
    model = Scripted(["A", "B"])
    client = JudgeClient(ARGS, 2, cache, model=model)
    first = asyncio.run(client.ask("grade this"))
    again = asyncio.run(client.ask("grade this"))
    assert (first.text, first.cached, again.text, again.cached, model.calls) == ("A", False, "A", True, 1)
    cache.write_text(cache.read_text() + '{"key": "cut', encoding="utf-8")  # a line cut by a kill
    model2 = Scripted([])
    resumed = JudgeClient(ARGS, 2, cache, model=model2)
    assert asyncio.run(resumed.ask("grade this")).cached and model2.calls == 0
    other = JudgeClient(JudgeModelArgs(model="other", api_url="http://127.0.0.1:9/v1"), 1, cache, model=Scripted(["C"]))
    assert asyncio.run(other.ask("grade this")).text == "C"  # another judge model: another key


def test_failures_and_empty_replies_raise_and_are_not_cached(tmp_path):
    cache = tmp_path / "c.jsonl"
    client = JudgeClient(ARGS, 1, cache, model=Scripted([ModelError("HTTP 500"), "", "A"]))
    with pytest.raises(JudgeError, match="HTTP 500"):
        asyncio.run(client.ask("p"))
    with pytest.raises(JudgeError, match="no text"):
        asyncio.run(client.ask("p"))
    assert not cache.exists()
    assert asyncio.run(client.ask("p")).text == "A" and len(cache.read_text().splitlines()) == 1
