"""``ReferenceJudged``: ``judge_strategy`` for rule-scored benchmarks (math, multiple choice, QA), as EvalScope.

In EvalScope every rule-scored benchmark also takes ``judge_strategy: llm`` (the judge decides whether the answer
matches the reference) and ``llm_recall`` (the rule first; the judge re-grades what the rule did not accept);
``auto`` and ``rule`` keep the rule (EvalScope's ``auto`` asks a judge only for benchmarks meant for one). A rule
scorer with this mixin reads the strategy when the run binds it; without a judge its ``score`` is the rule's, so
nothing changes for ``auto``/``rule``. With one, ``score`` (still called in a worker thread: the rule metrics are
CPU work) returns a coroutine that the engine awaits on the loop for the judge's requests.

The judge's verdict sets the primary metric (the scorer's first) to 1 or 0; other rule metrics of the answer
(TriviaQA's ``f1``) stay the rule's. Each judged score's metadata keeps ``judge: {strategy, by, model, prompt,
reply, verdict, cached, rule_verdict}``; a failed judge request or a reply without a verdict raises ``JudgeError``:
the review is errored, not wrong (EvalScope falls back to the rule score there; the issue asks for an error).
The judge prompt follows EvalScope's default (question, gold target, predicted answer; A correct, B incorrect) in
our own words. Replies are cached in ``<run>/judge/<benchmark>.jsonl`` like other judges'.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from evalscope.api import Answer, Sample, Score, ScoringContext

TEMPLATE = """Decide whether a predicted answer to a question is correct, given the gold target answer.
It is correct when it states the gold target's answer (an equivalent form counts: another notation, an equal \
number or expression, a paraphrase, the letter of the right option), with nothing that contradicts it. It is \
incorrect when it gives another answer, several candidates of which one is wrong, or no answer.

Question: {question}
Gold target: {target}
Predicted answer: {answer}

Reply with one letter: A if the predicted answer is CORRECT, B if it is INCORRECT."""


def parse_correct(reply: str) -> Optional[bool]:
    """The verdict of a reply: a leading A/B, else the first CORRECT/INCORRECT word, else a lone A/B; ``None``."""
    text = reply.strip()
    m = re.match(r"^[\W_]*([AB])(?![A-Za-z])", text)
    if m:
        return m.group(1) == "A"
    words = re.findall(r"INCORRECT|CORRECT", text.upper())
    if words:
        return words[0] == "CORRECT"
    m = re.search(r"(?<![A-Za-z])([AB])(?![A-Za-z])", text)
    return m.group(1) == "A" if m else None


def judge_prompt(sample: "Sample", answer: str) -> str:
    """The judge's prompt; a multiple-choice sample shows its lettered options and the key's text."""
    question, target = sample.input_text, sample.target_text
    if sample.choices:
        letters = [chr(ord("A") + i) for i in range(len(sample.choices))]
        question += "\n" + "\n".join(f"{letter}) {choice}" for letter, choice in zip(letters, sample.choices))
        if target in letters:
            target = f"{target}) {sample.choices[letters.index(target)]}"
    return TEMPLATE.format(question=question, target=target, answer=answer)


class ReferenceJudged:
    """Mixin of a rule scorer (``rule_scores(sample, answers)``, ``metrics``): ``judge_strategy`` applied."""

    strategy: str = "rule"
    client: Any = None
    identity: Optional[dict[str, Any]] = None

    def rule_scores(self, sample: "Sample", answers: list["Answer"]) -> list["Score"]:
        raise NotImplementedError

    def bind(self, context: "ScoringContext") -> None:
        from evalscope.errors import ConfigError

        task = context.task
        strategy = getattr(task, "judge_strategy", "auto") or "auto"
        self.strategy = "rule" if strategy == "auto" else strategy
        if self.strategy == "rule":
            return
        args = getattr(task, "judge_model_args", None)
        if args is None or not args.configured:
            raise ConfigError(f"{context.benchmark}: judge_strategy {strategy!r} needs judge_model_args with a "
                              "model and an api_url")
        from evalscope.judge import JudgeClient

        cache = None
        if context.run_dir is not None:
            cache = Path(context.run_dir.root) / "judge" / f"{context.benchmark}.jsonl"
        self.client = JudgeClient(args, getattr(task, "judge_worker_num", 1), cache)
        self.identity = {"judge": args.model, "strategy": self.strategy, "prompt": "reference_match"}

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    def score(self, sample: "Sample", answers: list["Answer"]) -> Any:
        """The rule's scores, or (with a judge) a coroutine giving the judged ones."""
        rule = self.rule_scores(sample, answers)
        if self.client is None:
            return rule
        return self._judged(sample, answers, rule)

    async def _judged(self, sample: "Sample", answers: list["Answer"], rule: list["Score"]) -> list["Score"]:
        return list(await asyncio.gather(*(self._one(sample, a, s) for a, s in zip(answers, rule))))

    async def _one(self, sample: "Sample", answer: "Answer", rule: "Score") -> "Score":
        from evalscope.judge import JudgeError

        primary = self.metrics[0]  # type: ignore[attr-defined]
        accepted = rule.value.get(primary, 0.0) >= 1.0
        rule_verdict = "CORRECT" if accepted else "INCORRECT"
        if self.strategy == "llm_recall" and accepted:
            meta = {**rule.metadata, "judge": {"strategy": self.strategy, "by": "rule", "verdict": rule_verdict}}
            return rule.model_copy(update={"metadata": meta})
        prompt = judge_prompt(sample, answer.text)
        reply = await self.client.ask(prompt)
        correct = parse_correct(reply.text)
        if correct is None:
            raise JudgeError(f"the judge's reply has no verdict: {reply.text[:200]!r}")
        record = {"strategy": self.strategy, "by": "llm", "model": self.client.args.model, "prompt": prompt,
                  "reply": reply.text, "verdict": "CORRECT" if correct else "INCORRECT", "cached": reply.cached,
                  "rule_verdict": rule_verdict}
        return rule.model_copy(update={"value": {**rule.value, primary: float(correct)}, "explanation": reply.text,
                                       "metadata": {**rule.metadata, "judge": record}})
