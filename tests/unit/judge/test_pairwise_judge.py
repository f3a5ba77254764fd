"""The pairwise judge: the benchmark's system prompt unless the user gives one, both games asked, no rule grading."""

from __future__ import annotations

import asyncio

import pytest

from evalscope.api import Answer, ModelOutput, Sample, ScoringContext
from evalscope.benchmarks.arena_hard import GRADER_SYSTEM, ArenaHardJudge
from evalscope.config import load_task
from evalscope.config.task import JudgeModelArgs
from evalscope.errors import ConfigError
from evalscope.judge import JudgeClient, JudgeError


class Recorder:
    def __init__(self, replies):
        self.replies = list(replies)
        self.seen = []

    async def generate(self, messages, config):
        self.seen.append(messages)
        return ModelOutput(content=self.replies.pop(0))


def test_benchmark_system_prompt_unless_the_user_sets_one():
    args = JudgeModelArgs(model="j", api_url="http://127.0.0.1:9/v1")
    client = JudgeClient(args, 1, None, model=Recorder([]))
    messages = client.messages("p", "official instructions")
    assert [(m.role, m.text) for m in messages] == [("system", "official instructions"), ("user", "p")]
    assert client.key(messages) != client.key(client.messages("p"))  # another system prompt: another cache key
    own = JudgeClient(args.model_copy(update={"system_prompt": "mine"}), 1, None, model=Recorder([]))
    assert own.messages("p", "official instructions")[0].text == "mine"


def bound_judge(replies, **task):
    judge = ArenaHardJudge()
    config = {"datasets": ["arena_hard"], "judge_model_args": {"model": "j", "api_url": "http://127.0.0.1:9/v1"},
              **task}
    judge.bind(ScoringContext(task=load_task(config), benchmark="arena_hard"))
    recorder = Recorder(replies)
    judge.client.model = recorder
    return judge, recorder


SAMPLE = Sample(id="1", input="Write a haiku.", target="BASELINE ANSWER")
ANSWER = Answer(text="MODEL ANSWER", extracted="MODEL ANSWER")


def test_both_games_are_asked_with_the_answers_swapped():
    judge, recorder = bound_judge(["[[B>A]]", "[[A>>B]]"])
    (score,) = asyncio.run(judge.score(SAMPLE, [ANSWER]))
    assert len(recorder.seen) == 2 and all(m[0].text == GRADER_SYSTEM for m in recorder.seen)
    first, second = (m[-1].text for m in recorder.seen)
    assert first.index("BASELINE ANSWER") < first.index("MODEL ANSWER")
    assert second.index("MODEL ANSWER") < second.index("BASELINE ANSWER")
    assert score.value == {"score": (0.75 + 1.0) / 2, "wins": 4.0, "ties": 0.0, "losses": 0.0}
    games = score.metadata["judge"]["games"]
    assert [g["reply"] for g in games] == ["[[B>A]]", "[[A>>B]]"] and score.metadata["judge"]["model"] == "j"


def test_one_game_without_a_label_fails_the_answer():
    judge, _ = bound_judge(["[[B>A]]", "I cannot decide."])
    with pytest.raises(JudgeError, match="candidate_first.*no verdict"):
        asyncio.run(judge.score(SAMPLE, [ANSWER]))


@pytest.mark.parametrize("strategy", ["rule", "auto"])
def test_no_rule_grading(strategy):
    with pytest.raises(ConfigError, match="only by an LLM judge"):
        ArenaHardJudge().bind(ScoringContext(task=load_task({"datasets": ["arena_hard"], "judge_strategy": strategy}),
                                             benchmark="arena_hard"))
