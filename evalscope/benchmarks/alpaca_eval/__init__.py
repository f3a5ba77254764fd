"""AlpacaEval 2.0 (Li et al. 2023; Dubois et al. 2024, "Length-Controlled AlpacaEval"): 805 instructions; an LLM
judge says whether the model's answer or the baseline's (GPT-4 Turbo, ``gpt4_1106_preview``) is better; metric
``win_rate`` (EvalScope's name), the share of answers the judge prefers to the baseline.

Source: github.com/tatsu-lab/alpaca_eval (HF ``tatsu-lab/alpaca_eval``, EvalScope ``AI-ModelScope/alpaca_eval``
subset ``alpaca_eval_gpt4_baseline``, split ``eval``; fields ``instruction, output, generator, dataset``; local
layout ``alpaca_eval_gpt4_baseline.json`` as in the hub repo, or ``alpaca_eval_gpt4_baseline/eval.jsonl``). The
judge prompt is AlpacaEval 2.0's ranking prompt as EvalScope sends it (the baseline is model ``m``, the answer model
``M``; the judge replies with one identifier). By default one game per answer, baseline first, as EvalScope does;
``extra_params: {position_swap: true}`` plays both orders (a split decision counts 0.5).

What this is not: the **length-controlled** win rate (AlpacaEval 2.0's headline number) needs a regression over the
lengths and the instruction difficulties fitted on the official leaderboard's annotations, which are not available
offline: it is not computed. The official 2.0 annotator also weighs the judge's log-probabilities of ``m``/``M``
and randomizes the order per instruction; here each game is a plain preference (1 win, 0 loss), as AlpacaEval counts
a win and as EvalScope did before its judge refactor (since it, EvalScope scores a win 0.75 and a loss 0.25: its
pairwise outcome's "weak" strength, which AlpacaEval does not have). So ``win_rate`` is AlpacaEval's plain (not LC)
win rate with a binary judge: comparable with EvalScope's (before its refactor; after it, ours = 2 x theirs - 0.5),
and with the official leaderboard's "win rate" column only roughly. Published (the AlpacaEval 2.0 leaderboard, GPT-4 Preview
judge): the baseline GPT-4 Preview (11/06) 50.0% by construction; GPT-4o (05/13) 57.5% LC win rate.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from evalscope.api import Answer, Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.judge import Game, PairwiseJudgeScorer, Verdict
from evalscope.judge.pairwise import Order
from evalscope.registry import register

GRADER_SYSTEM = ("You are a highly efficient assistant, who evaluates and selects the best large language model (LLMs) "
                 "based on the quality of their responses to a given instruction. This process will be used to create "
                 "a leaderboard reflecting the most accurate and human-preferred answers.")

GRADER = """I require a leaderboard for various large language models. I'll provide you with prompts given to these \
models and their corresponding outputs. Your task is to assess these responses, and select the model that produces \
the best output from a human perspective.

## Instruction

{{
    "instruction": "{instruction}"
}}

## Model Outputs

Here are the unordered outputs from the models. Each output is associated with a specific model, identified by a \
unique model identifier.

{{
    {{
        "model_identifier": "m",
        "output": "{output_1}"
    }},
    {{
        "model_identifier": "M",
        "output": "{output_2}"
    }}
}}

## Task

Evaluate the models based on the quality and relevance of their outputs, and select the model that generated the \
best output. Answer by providing the model identifier of the best model. We will use your output as the name of the \
best model, so make sure your output only contains one of the following model identifiers and nothing else (no \
quotes, no spaces, no new lines, ...): m or M.

## Best Model Identifier"""

_WRAP = re.compile(r"^[\s\"'`*]+|[\s\"'`*.]+$")
_KEYED = re.compile(r"model_identifier\W{0,4}(m|M)\b")


def parse_identifier(reply: str) -> Optional[str]:
    """``m`` or ``M`` from a judge's reply: the whole reply (quotes, backticks, bold, a final period aside), else its
    last line, else a ``"model_identifier": "M"`` it wrote out; ``None`` otherwise (case matters, so a stray ``m``
    in prose is never read as a verdict)."""
    for text in (reply, (reply.strip().splitlines() or [""])[-1]):
        bare = _WRAP.sub("", text)
        if bare in ("m", "M"):
            return bare
    found = set(_KEYED.findall(reply))
    return found.pop() if len(found) == 1 else None


class AlpacaEvalJudge(PairwiseJudgeScorer):
    metrics = ("win_rate",)
    system_prompt = GRADER_SYSTEM

    def __init__(self, position_swap: bool = False) -> None:
        super().__init__()
        self.orders = ("baseline_first", "candidate_first") if position_swap else ("baseline_first",)

    def game_prompt(self, sample: Sample, answer: Answer, order: Order) -> str:
        first, second = (sample.target_text, answer.text) if order == "baseline_first" else (answer.text,
                                                                                             sample.target_text)
        return GRADER.format(instruction=sample.input_text, output_1=first, output_2=second)

    def parse_label(self, reply: str) -> Optional[str]:
        return parse_identifier(reply)

    def combine(self, games: list[Game]) -> Verdict:
        wins = [float(g.label == ("M" if g.order == "baseline_first" else "m")) for g in games]
        rate = sum(wins) / len(wins)
        label = "win" if rate == 1.0 else "loss" if rate == 0.0 else "tie"
        return Verdict(label=label, value={"win_rate": rate})


@register("benchmark", "alpaca_eval")
class AlpacaEval(Benchmark):
    meta = BenchmarkMeta(
        name="alpaca_eval",
        pretty_name="AlpacaEval2.0",
        tags=("InstructionFollowing", "Arena", "LLMJudge"),
        dataset_id="AI-ModelScope/alpaca_eval",
        hf_dataset_id="tatsu-lab/alpaca_eval",
        subsets=("alpaca_eval_gpt4_baseline",),
        eval_split="eval",
        metric_list=("win_rate",),
        metric_map={},
        prompt_template="{query}",
        extra_params={"position_swap": False},
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("id", index)), input=str(record["instruction"]), target=str(record["output"]),
                      metadata={"generator": str(record.get("generator", "")), "dataset": str(record.get("dataset", ""))})

    def scorers(self) -> list:
        return [AlpacaEvalJudge(position_swap=bool(self.extra("position_swap")))]
