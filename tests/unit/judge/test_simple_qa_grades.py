"""Reading the judge's grade, the rule grader, and judge_strategy's choices."""

from __future__ import annotations

import asyncio

import pytest

from evalscope.api import Answer, Sample, ScoringContext
from evalscope.benchmarks.simple_qa import SimpleQAJudge, normalize, parse_grade
from evalscope.config import load_task
from evalscope.errors import ConfigError


@pytest.mark.parametrize("reply, label", [
    ("A", "CORRECT"), ("B", "INCORRECT"), ("C", "NOT_ATTEMPTED"), ("**B**", "INCORRECT"), ("A.", "CORRECT"),
    ("CORRECT", "CORRECT"), ("The answer is INCORRECT.", "INCORRECT"), ("Grade: NOT_ATTEMPTED", "NOT_ATTEMPTED"),
    ("I pick C here", "NOT_ATTEMPTED"), ("Apples", None), ("", None),
])
def test_parse_grade(reply, label):
    verdict = parse_grade(reply)
    assert (verdict.label if verdict else None) == label
    if verdict:
        assert sum(verdict.value.values()) == 1.0


def test_normalize():
    assert normalize("The  Eiffel-Tower!") == "eiffel tower"
    assert normalize("《红楼梦》。") == "红楼梦"


def _score(judge, target, text):
    sample = Sample(id="1", input="q?", target=target)
    return asyncio.run(judge.score(sample, [Answer(text=text, extracted=text)]))[0]


def test_rule_grades():
    judge = SimpleQAJudge()
    judge.bind(ScoringContext(task=load_task({"judge_strategy": "rule"})))
    assert _score(judge, "Canberra", "It's canberra.").value["is_correct"] == 1.0
    assert _score(judge, "Canberra", "Sydney").value["is_incorrect"] == 1.0
    assert _score(judge, "Canberra", "I don't know.").value["is_not_attempted"] == 1.0
    assert _score(judge, "Canberra", "").value["is_not_attempted"] == 1.0


def test_strategies():
    auto = SimpleQAJudge()
    auto.bind(ScoringContext(task=None))
    assert auto.strategy == "rule" and auto.client is None
    judged = SimpleQAJudge()
    judged.bind(ScoringContext(task=load_task({"judge_model_args": {"model": "j", "api_url": "http://127.0.0.1:9/v1"}})))
    assert judged.strategy == "llm" and judged.client is not None and judged.identity["judge"] == "j"
    with pytest.raises(ConfigError):
        SimpleQAJudge().bind(ScoringContext(task=load_task({"judge_strategy": "llm_recall"})))


def test_llm_recall_asks_the_judge_only_for_what_the_rule_rejects():
    judge = SimpleQAJudge()
    judge.bind(ScoringContext(task=load_task({"judge_strategy": "llm_recall", "judge_model_args": {
        "model": "j", "api_url": "http://127.0.0.1:9/v1"}})))
    asked = []

    class Fake:
        args = judge.client.args

        async def ask(self, prompt):
            asked.append(prompt)
            from evalscope.judge import JudgeReply
            return JudgeReply(text="A")

    judge.client = Fake()
    assert _score(judge, "Canberra", "Canberra").metadata["judge"]["by"] == "rule"
    assert not asked
    s = _score(judge, "Canberra", "the Australian capital, Canb.")
    assert s.value["is_correct"] == 1.0 and s.metadata["judge"]["rule_verdict"] == "INCORRECT" and len(asked) == 1
