"""``PairwiseJudgeScorer``: the judge compares each answer with a baseline answer (AlpacaEval, Arena-Hard).

The baseline answer is the sample's target. Each answer plays one *game* per presentation order the benchmark asks
for: ``baseline_first`` (the baseline is shown as the first answer, the candidate second) and ``candidate_first``
(swapped). A subclass gives the prompt of a game (``game_prompt``), reads the judge's label from its reply
(``parse_label``) and turns the games' labels into metric values (``combine``). Every game's prompt, raw reply and
label are kept in the score's metadata (``{"judge": {"games": [...], "verdict": ...}}``). There is no rule grading
of an open answer: ``judge_strategy: rule`` (or ``auto`` without ``judge_model_args``) is a config error, and
``llm_recall`` means ``llm``. A failed judge request or a reply without a label raises ``JudgeError``: the
review is errored, not a loss.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

from evalscope.api import Answer, Sample, Score, ScoringContext
from evalscope.errors import ConfigError
from evalscope.judge.client import JudgeError
from evalscope.judge.scorer import JudgeScorer, Verdict

logger = logging.getLogger(__name__)

Order = Literal["baseline_first", "candidate_first"]


class Game(BaseModel):
    """One judged comparison of a candidate answer with the baseline answer."""

    model_config = ConfigDict(extra="forbid")

    order: Order
    """Which answer the judge saw first."""
    prompt: str
    """The judge prompt sent."""
    reply: str
    """The judge's raw reply."""
    label: str
    """The label parsed from the reply (``A>>B``, ``M``, ...)."""
    cached: bool = False
    """Whether the reply came from the judge cache."""


class PairwiseJudgeScorer(JudgeScorer):
    """Grades each answer against the baseline answer by the LLM judge, in the orders of ``orders``."""

    prefers_judge = False  # no rule to fall back to: bind() refuses to run without a judge, with no warning first
    system_prompt: Optional[str] = None
    """The judge's system message (the user's ``judge_model_args.system_prompt`` replaces it)."""
    orders: tuple[Order, ...] = ("baseline_first",)

    # -- the hooks of a benchmark
    def game_prompt(self, sample: Sample, answer: Answer, order: Order) -> str:
        raise NotImplementedError

    def parse_label(self, reply: str) -> Optional[str]:
        raise NotImplementedError

    def combine(self, games: list[Game]) -> Verdict:
        raise NotImplementedError

    def rule_verdict(self, sample: Sample, answer: Answer) -> Verdict:
        raise JudgeError("a pairwise comparison has no rule grading")

    # -- the run
    def bind(self, context: ScoringContext) -> None:
        super().bind(context)
        if self.strategy == "rule":
            raise ConfigError(f"{context.benchmark}: answers are graded only by an LLM judge against the baseline "
                              "answers (there is no rule grading for judge_strategy 'rule'); give judge_model_args "
                              "with a model and an api_url")
        self.strategy = "llm"
        if self.identity is not None:
            self.identity = {**self.identity, "strategy": "llm", "orders": list(self.orders)}

    async def _one(self, sample: Sample, answer: Answer) -> Score:
        if self.client is None:
            raise JudgeError("no judge configured")
        games = list(await asyncio.gather(*(self._game(sample, answer, order) for order in self.orders)))
        verdict = self.combine(games)
        record = {"strategy": self.strategy, "by": "llm", "model": self.client.args.model,
                  "games": [g.model_dump() for g in games], "verdict": verdict.label}
        explanation = "\n\n".join(f"[{g.order}] {g.reply}" for g in games)
        return Score(value=verdict.value, answer=answer.extracted, explanation=explanation,
                     metadata={"judge": record})

    async def _game(self, sample: Sample, answer: Answer, order: Order) -> Game:
        assert self.client is not None
        prompt = self.game_prompt(sample, answer, order)
        reply = await self.client.ask(prompt, self.system_prompt)
        label = self.parse_label(reply.text)
        if label is None:
            raise JudgeError(f"the judge's reply ({order}) has no verdict: {reply.text[-200:]!r}")
        return Game(order=order, prompt=prompt, reply=reply.text, label=label, cached=reply.cached)
