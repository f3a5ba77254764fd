"""``JudgeScorer``: the base of judge-graded benchmarks' scorers, applying ``judge_strategy``.

A subclass says how to grade by rule (``rule_verdict``), how to ask the judge (``judge_prompt``), how to read the
judge's reply (``parse_verdict``) and what a verdict scores (``Verdict.value``). Strategies (EvalScope's names):
``rule`` grades by rule only; ``llm`` by the judge only; ``llm_recall`` by rule first and the judge for what the
rule did not accept; ``auto`` is ``llm`` when ``judge_model_args`` names a judge and the rule otherwise (with a
warning when the benchmark is meant for a judge). Each score's metadata keeps ``{"judge": {strategy, prompt,
reply, verdict, model, cached}}`` (or the rule's verdict), and its explanation the judge's reply. A judge that
fails, or replies without a verdict, raises ``JudgeError``: the sample's review is errored, not wrong.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

from evalscope.api import Answer, Sample, Score, ScoringContext
from evalscope.errors import ConfigError
from evalscope.judge.client import JudgeClient, JudgeError

logger = logging.getLogger(__name__)


class Verdict(BaseModel):
    """A grade: its label and the metric values it gives."""

    model_config = ConfigDict(extra="forbid")

    label: str
    """The verdict's name (``CORRECT``, ``A>B``, ...)."""
    value: dict[str, float]
    """Metric values of this verdict."""


class JudgeScorer:
    """Grades answers by rule, by an LLM judge, or both, according to ``judge_strategy``."""

    metrics: tuple[str, ...] = ()
    prefers_judge: bool = True
    """Whether ``auto`` should use the judge (warn when none is configured)."""

    def __init__(self) -> None:
        self.strategy = "auto"
        self.client: Optional[JudgeClient] = None
        self.identity: Optional[dict[str, Any]] = None

    # -- the hooks of a benchmark
    def rule_verdict(self, sample: Sample, answer: Answer) -> Verdict:
        raise NotImplementedError

    def judge_prompt(self, sample: Sample, answer: Answer) -> str:
        raise NotImplementedError

    def parse_verdict(self, reply: str, sample: Sample, answer: Answer) -> Optional[Verdict]:
        raise NotImplementedError

    def accepted(self, verdict: Verdict) -> bool:
        """Whether a rule verdict is final under ``llm_recall`` (by default: its first metric is 1)."""
        return verdict.value.get(self.metrics[0], 0.0) >= 1.0

    # -- the run
    def bind(self, context: ScoringContext) -> None:
        task = context.task
        self.strategy = getattr(task, "judge_strategy", "auto") or "auto"
        args = getattr(task, "judge_model_args", None)
        configured = bool(args is not None and args.configured)
        if self.strategy in ("llm", "llm_recall") and not configured:
            raise ConfigError(f"{context.benchmark}: judge_strategy {self.strategy!r} needs judge_model_args "
                              "with a model and an api_url")
        if self.strategy == "auto":
            self.strategy = "llm" if configured else "rule"
            if not configured and self.prefers_judge:
                logger.warning("%s: no judge_model_args given: answers are graded by rule, which is stricter than "
                               "the benchmark's judge", context.benchmark)
        if self.strategy != "rule" and args is not None:
            cache = None
            if context.run_dir is not None:
                cache = Path(context.run_dir.root) / "judge" / f"{context.benchmark}.jsonl"
            self.client = JudgeClient(args, getattr(task, "judge_worker_num", 1), cache)
            self.identity = {"judge": args.model, "strategy": self.strategy}
        else:
            self.identity = {"strategy": self.strategy}

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def score(self, sample: Sample, answers: list[Answer]) -> list[Score]:
        return list(await asyncio.gather(*(self._one(sample, a) for a in answers)))

    async def _one(self, sample: Sample, answer: Answer) -> Score:
        rule = None
        if self.strategy in ("rule", "llm_recall"):
            rule = self.rule_verdict(sample, answer)
            if self.strategy == "rule" or self.accepted(rule):
                return Score(value=rule.value, answer=answer.extracted,
                             metadata={"judge": {"strategy": self.strategy, "verdict": rule.label, "by": "rule"}})
        if self.client is None:
            raise JudgeError("no judge configured")
        prompt = self.judge_prompt(sample, answer)
        reply = await self.client.ask(prompt)
        verdict = self.parse_verdict(reply.text, sample, answer)
        record = {"strategy": self.strategy, "by": "llm", "model": self.client.args.model, "prompt": prompt,
                  "reply": reply.text, "verdict": verdict.label if verdict else None, "cached": reply.cached,
                  **({"rule_verdict": rule.label} if rule else {})}
        if verdict is None:
            raise JudgeError(f"the judge's reply has no verdict: {reply.text[:200]!r}")
        return Score(value=verdict.value, answer=answer.extracted, explanation=reply.text, metadata={"judge": record})
