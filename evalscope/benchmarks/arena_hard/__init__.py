"""Arena-Hard-Auto v0.1 (Li et al. 2024, "From Crowdsourced Data to High-Quality Benchmarks"): 500 hard prompts
from Chatbot Arena; an LLM judge compares the model's answer with GPT-4-0314's in two games (baseline shown first,
then swapped) on the five-point scale ``A>>B``, ``A>B``, ``A=B``, ``B>A``, ``B>>A``; metric ``win_rate`` as EvalScope
reports it.

Source: github.com/lmarena/arena-hard-auto (EvalScope ``AI-ModelScope/arena-hard-auto-v0.1``, split ``test``; fields
``question, prediction`` (GPT-4-0314's answer), ``capability``; local layout ``test.jsonl``). The judge system prompt
and the answer template are Arena-Hard v0.1's (as EvalScope sends them); the label is read as Arena-Hard reads it:
the ``[[X]]`` labels of the reply (else ``[X]``), accepted when they all agree; no label, or labels that disagree,
is an errored review (Arena-Hard asks again there; a resumed run here asks again too, as failures are not cached).

Score: each game is a battle between the baseline and the model; a significant win (``>>``) counts as three battles
(Arena-Hard's multiplier), a tie as half a win for each. ``win_rate`` is the model's predicted win rate against the
baseline from the Bradley-Terry (Elo) fit of those battles, which is what EvalScope computes (with scikit-learn's
logistic regression); with two players the fit has a closed form, ``(wins + ties / 2) / battles`` of the model,
rounded to 4 places as EvalScope does, and EvalScope's one special case is kept: when one side wins every battle
(no tie) the winner gets +400 Elo, i.e. 0.9091 or 0.0909. Per answer the review has ``score`` (EvalScope's
per-sample score before its judge refactor: 1 / 0.75 / 0.5 / 0.25 / 0 per game from the model's side, averaged over
both games; the refactored one differs only when the games disagree in strength or outcome) and its
battles ``wins``/``ties``/``losses``. Not computed: the bootstrap confidence interval and the style-controlled score.
Published (arena-hard-auto README, v0.1 leaderboard of 05/21, GPT-4-Turbo judge): gpt-4-turbo-2024-04-09 82.6,
claude-3-opus-20240229 60.4, llama-3-70b-chat-hf 41.1, gpt-3.5-turbo-0125 23.3, gpt-4-0314 50.0 (the baseline).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from evalscope.api import Answer, Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.judge import Game, PairwiseJudgeScorer, Verdict
from evalscope.judge.pairwise import Order
from evalscope.registry import register

GRADER_SYSTEM = (
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the "
    "user prompt displayed below. You will be given assistant A's answer and assistant B's answer. Your job is to "
    "evaluate which assistant's answer is better.\n\n"
    "Begin your evaluation by generating your own answer to the prompt. You must provide your answers before judging "
    "any answers.\n\n"
    "When evaluating the assistants' answers, compare both assistants' answers with your answer. You must identify and "
    "correct any mistakes or inaccurate information.\n\n"
    "Then consider if the assistant's answers are helpful, relevant, and concise. Helpful means the answer correctly "
    "responds to the prompt or follows the instructions. Note when user prompt has any ambiguity or more than one "
    "interpretation, it is more helpful and appropriate to ask for clarifications or more information from the user "
    "than providing an answer based on assumptions. Relevant means all parts of the response closely connect or are "
    "appropriate to what is being asked. Concise means the response is clear and not verbose or excessive.\n\n"
    "Then consider the creativity and novelty of the assistant's answers when needed. Finally, identify any missing "
    "important information in the assistants' answers that would be beneficial to include when responding to the "
    "user prompt.\n\n"
    "After providing your explanation, you must output only one of the following choices as your final verdict with "
    "a label:\n\n"
    "1. Assistant A is significantly better: [[A>>B]]\n"
    "2. Assistant A is slightly better: [[A>B]]\n"
    "3. Tie, relatively the same: [[A=B]]\n"
    "4. Assistant B is slightly better: [[B>A]]\n"
    "5. Assistant B is significantly better: [[B>>A]]\n\n"
    'Example output: "My final verdict is tie: [[A=B]]".'
)

GRADER = ("<|User Prompt|>\n{question}\n\n<|The Start of Assistant A's Answer|>\n{answer_1}\n"
          "<|The End of Assistant A's Answer|>\n\n<|The Start of Assistant B's Answer|>\n{answer_2}\n"
          "<|The End of Assistant B's Answer|>")

LABELS = ("A>>B", "A>B", "A=B", "B>A", "B>>A")
MULTIPLIER = 3
"""Battles a significant win counts for (Arena-Hard's ``WEIGHT``)."""
_DOUBLE = re.compile(r"\[\[([AB<>=]+)\]\]")
_SINGLE = re.compile(r"\[([AB<>=]+)\]")


def parse_battle_label(reply: str) -> Optional[str]:
    """The verdict label of a judge's reply: the ``[[X]]`` labels (else ``[X]``) when they all agree, else ``None``."""
    for pattern in (_DOUBLE, _SINGLE):
        found = {m for m in pattern.findall(reply) if m}
        if found:
            return found.pop() if len(found) == 1 and next(iter(found)) in LABELS else None
    return None


def candidate_battles(label: str, order: Order) -> tuple[str, int]:
    """A game from the model's side: (``win``/``tie``/``loss``, battles it counts for)."""
    if label == "A=B":
        return "tie", 1
    candidate_is_a = order == "candidate_first"
    outcome = "win" if label.startswith("A") == candidate_is_a else "loss"
    return outcome, MULTIPLIER if ">>" in label else 1


GAME_SCORE = {("win", 3): 1.0, ("win", 1): 0.75, ("tie", 1): 0.5, ("loss", 1): 0.25, ("loss", 3): 0.0}


def bradley_terry_win_rate(wins: float, ties: float, losses: float) -> Optional[float]:
    """The model's win rate against the baseline from the two-player Bradley-Terry fit of the battles (EvalScope's
    Elo fit in closed form; +400 Elo to a side that won every battle with no tie); ``None`` without battles."""
    total = wins + ties + losses
    if total <= 0:
        return None
    if ties == 0 and (wins == 0 or losses == 0):
        return round(1 / (1 + 10 ** (-1 if losses == 0 else 1)), 4)
    return round((wins + ties / 2) / total, 4)


class ArenaHardJudge(PairwiseJudgeScorer):
    metrics = ("score", "wins", "ties", "losses")
    system_prompt = GRADER_SYSTEM
    orders = ("baseline_first", "candidate_first")

    def game_prompt(self, sample: Sample, answer: Answer, order: Order) -> str:
        first, second = (sample.target_text, answer.text) if order == "baseline_first" else (answer.text,
                                                                                             sample.target_text)
        return GRADER.format(question=sample.input_text, answer_1=first, answer_2=second)

    def parse_label(self, reply: str) -> Optional[str]:
        return parse_battle_label(reply)

    def combine(self, games: list[Game]) -> Verdict:
        counts = {"wins": 0.0, "ties": 0.0, "losses": 0.0}
        scores = []
        for game in games:
            outcome, battles = candidate_battles(game.label, game.order)
            counts[{"win": "wins", "tie": "ties", "loss": "losses"}[outcome]] += battles
            scores.append(GAME_SCORE[(outcome, battles)])
        label = " / ".join(f"{g.order}: {g.label}" for g in games)
        return Verdict(label=label, value={"score": sum(scores) / len(scores), **counts})


@register("benchmark", "arena_hard")
class ArenaHard(Benchmark):
    meta = BenchmarkMeta(
        name="arena_hard",
        pretty_name="ArenaHard",
        tags=("InstructionFollowing", "Arena", "LLMJudge"),
        dataset_id="AI-ModelScope/arena-hard-auto-v0.1",
        subsets=("default",),
        single_subset_files=True,
        eval_split="test",
        metric_list=("win_rate",),
        metric_map={},
        prompt_template="{query}",
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("question_id", index)), input=str(record["question"]),
                      target=str(record["prediction"]), metadata={"capability": str(record.get("capability", ""))})

    def scorers(self) -> list:
        return [ArenaHardJudge()]

    def subset_metrics(self, totals: dict[str, float]) -> dict[str, float]:
        rate = bradley_terry_win_rate(totals.get("mean_wins", 0.0), totals.get("mean_ties", 0.0),
                                      totals.get("mean_losses", 0.0))
        return {} if rate is None else {"win_rate": rate}
