"""The LLM judge: a model that grades answers, called through the one OpenAI-compatible client.

``JudgeClient`` sends judge prompts (bounded by ``judge_worker_num``) and caches every reply in the run
directory keyed by the prompt's hash, so a resumed run never asks the judge twice; ``JudgeScorer`` is the base of
benchmarks' judge scorers: it applies ``judge_strategy`` and records the prompt, raw reply and verdict per answer;
``PairwiseJudgeScorer`` compares each answer with a baseline answer, in one or both presentation orders.
"""

from evalscope.judge.client import JudgeClient, JudgeError, JudgeReply
from evalscope.judge.pairwise import Game, PairwiseJudgeScorer
from evalscope.judge.scorer import JudgeScorer, Verdict

__all__ = ["Game", "JudgeClient", "JudgeError", "JudgeReply", "JudgeScorer", "PairwiseJudgeScorer", "Verdict"]
