"""MMLU-Redux 2.0 (Gema et al., 2024): the 57 MMLU subjects, 100 questions each, re-annotated for errors.

Source: EvalScope's ``AI-ModelScope/mmlu-redux-2.0`` (= HF ``edinburgh-dawg/mmlu-redux-2.0``), one config per
subject, split ``test``; rows ``question``, ``choices`` (4), ``answer`` (0-3), ``error_type`` (``ok``,
``wrong_groundtruth``, ``no_correct_answer``, ``multiple_correct_answers``, ``bad_question_clarity``, ...),
``correct_answer``. Local ``<subject>/test-*.parquet`` (the hub's) or ``<subject>_test.jsonl``. The key is
corrected as EvalScope does: ``wrong_groundtruth`` takes ``correct_answer`` (an index or a letter);
``no_correct_answer`` puts ``correct_answer`` in place of the keyed choice; ``multiple_correct_answers`` accepts
every listed letter or index. 0-shot, EvalScope's chain-of-thought prompt; ``acc`` = the extracted letter is one of
the accepted ones. Subjects are reported under MMLU's categories.

Official number: none reproduced here (no reference outputs at hand); the corrections are tested on rows in the
hub's format (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.mmlu.subjects import SUBJECT_CATEGORIES, SUBJECTS
from evalscope.benchmarks.multiple_choice import LETTERS, MCQ_TEMPLATE, MultipleChoiceBenchmark
from evalscope.registry import register


def _indices(text: str, choices: list[str]) -> list[int]:
    """Choice indices named by ``"2"``, ``"B"``, ``"(A, C)"``, ``"1 and 3"``, or by the choices' own texts."""
    parts = [p.strip() for p in re.split(r",| and | or ", text.strip().strip("()")) if p.strip()]
    out = []
    for part in parts:
        if part.isdigit() and int(part) < len(choices):
            out.append(int(part))
        elif len(part) == 1 and part.upper() in LETTERS[: len(choices)]:
            out.append(LETTERS.index(part.upper()))
        elif part in choices:
            out.append(choices.index(part))
    return out


def accepted_answers(record: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The choices and the accepted indices of one row, after MMLU-Redux's corrections."""
    choices, keyed = [str(c) for c in record["choices"]], [int(record["answer"])]
    error, correct = str(record.get("error_type") or "ok"), str(record.get("correct_answer") or "").strip()
    if error == "no_correct_answer" and correct:
        choices[keyed[0]] = correct
    elif error in ("wrong_groundtruth", "multiple_correct_answers") and correct:
        keyed = _indices(correct, choices) or keyed
    return choices, keyed


@register("benchmark", "mmlu_redux")
class MMLURedux(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="mmlu_redux",
        pretty_name="MMLU-Redux",
        tags=("MCQ", "Knowledge"),
        dataset_id="AI-ModelScope/mmlu-redux-2.0",
        hf_dataset_id="edinburgh-dawg/mmlu-redux-2.0",
        subsets=SUBJECTS,
        subset_categories={s: (c,) for s, c in SUBJECT_CATEGORIES.items()},
        eval_split="test",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        choices, accepted = accepted_answers(record)
        return Sample(id=str(record.get("id", index)), input=str(record["question"]).strip(), choices=choices,
                      target=[LETTERS[i] for i in accepted],
                      metadata={"error_type": record.get("error_type"), "correct_answer": record.get("correct_answer")})
