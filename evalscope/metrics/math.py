"""Math answers: extraction of the final answer and mathematical equivalence (``math_equiv``).

Extraction (``extract_math_answer``) takes, in order: the last ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces
allowed), the text after the last "final answer is" / "answer is" / ``ANSWER:``, and the last number; it says which
rule it used. Equivalence (``math_equal``) is ``math-verify`` (Hugging Face's verifier, the library EvalScope's
newer scorers use): both sides are parsed as LaTeX (wrapped in ``\\boxed{}``) and plain expressions and compared
symbolically and numerically; before that, equal strings after light normalization count as equal without
parsing. ``math-verify`` is the optional extra ``math`` (``pip install 'evalscope[math]'``).

math-verify's own timeouts use ``signal.alarm``, which works only in the main thread; scorers run in worker
threads, so its timeouts are off and answers longer than ``MAX_VERIFY_CHARS`` are compared as strings only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import ConfigError
from evalscope.metrics.reference_judge import ReferenceJudged
from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Answer, Sample, Score

MAX_VERIFY_CHARS = 1000
INSTALL_HINT = "math equivalence needs math-verify: pip install 'evalscope[math]'"

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")


def last_boxed(text: str) -> Optional[str]:
    """The content of the last ``\\boxed{...}`` or ``\\fbox{...}`` (nested braces kept), or ``None``."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:  # "\boxed 5"
        m = re.match(r"\\boxed\s+([^\s$]+)", text[start:])
        return m.group(1) if m else None
    depth, i = 0, brace
    while i < len(text):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[brace + 1 : i].strip()
        i += 1
    return None


_PHRASES = [
    r"(?i)final answer is\s*[:：]?\s*(.+)",
    r"(?i)answer is\s*[:：]?\s*(.+)",
    r"(?i)ANSWER\s*[:：]\s*(.+)",
]


def _trim(answer: str) -> str:
    answer = re.sub(r"[.。]\s*$", "", answer.strip()).strip()
    return answer.strip("$").strip()


def extract_math_answer(text: str) -> tuple[str, str]:
    """The final answer in a solution and the rule that found it: ``boxed``, ``answer_phrase``, ``last_number``,
    or ``("", "none")``; a thinking model's text is read after its last ``</think>`` (the rule then ends in
    ``_after_think``), so a ``\\boxed{}`` tried while thinking is not taken for the answer."""
    if "</think>" in text:
        answer, how = extract_math_answer(text.rpartition("</think>")[2])
        return answer, f"{how}_after_think"
    boxed = last_boxed(text)
    if boxed is not None:
        return _trim(boxed), "boxed"
    for pattern in _PHRASES:
        hits = re.findall(pattern, text)
        if hits:
            answer = _trim(hits[-1].split("\n")[0])
            if answer:
                return answer, "answer_phrase"
    numbers = _NUMBER.findall(text)
    if numbers:
        return numbers[-1].replace(",", ""), "last_number"
    return "", "none"


def _normalize(text: str) -> str:
    text = text.strip().strip("$")
    text = re.sub(r"\\text\{\s*([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\(?:left|right|!|,|;|:|\s)", "", text)
    text = text.replace("dfrac", "frac").replace("tfrac", "frac").replace("^\\circ", "").replace("^{\\circ}", "")
    return re.sub(r"\s+", "", text).rstrip(".").lower()


def _verifier() -> Any:
    try:
        import math_verify
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    import math_verify.grader
    import math_verify.parser

    # its timeouts are off on purpose (module docstring): silence its once-per-process warning saying so
    math_verify.parser.TIMEOUT_WARNING_SHOWN = math_verify.grader.TIMEOUT_WARNING_SHOWN = True
    return math_verify


def math_equal(answer: str, target: str) -> tuple[bool, str]:
    """Whether ``answer`` equals ``target`` mathematically, and how it was decided: ``string`` (equal after
    normalization), ``math_verify`` (parsed and verified), ``not_equal`` (parsed, unequal), ``unparsed`` (a side
    math-verify could not parse, strings unequal), ``empty``, or ``too_long``."""
    if not answer.strip():
        return False, "empty"
    if _normalize(answer) == _normalize(target):
        return True, "string"
    if len(answer) > MAX_VERIFY_CHARS:
        return False, "too_long"
    mv = _verifier()
    try:
        gold = mv.parse(f"\\boxed{{{target}}}", parsing_timeout=None)
        pred = mv.parse(f"\\boxed{{{answer}}}", parsing_timeout=None)
    except Exception:  # noqa: BLE001 - math-verify raises anything sympy raises
        return False, "unparsed"
    if not gold or not pred:
        return False, "unparsed"
    try:
        same = bool(mv.verify(gold, pred, timeout_seconds=None))
    except Exception:  # noqa: BLE001
        return False, "unparsed"
    return same, "math_verify" if same else "not_equal"


def _best(answer: str, sample: "Sample") -> tuple[bool, str, str]:
    """The first reference the answer equals (or the last one tried): (equal, how, target)."""
    how, target = "empty", ""
    for target in sample.targets:
        same, how = math_equal(answer, str(target))
        if same:
            return True, how, target
    return False, how, target


@register("metric", "math_equiv")
def math_equiv(answer: str, sample: "Sample") -> float:
    """1.0 when the extracted answer equals a reference mathematically (math-verify)."""
    return float(_best(answer, sample)[0])


class MathScorer(ReferenceJudged):
    """Scores math answers with ``math_equiv`` under the benchmark's display name, recording in each score's
    metadata how the answer was extracted from the model's text and how equivalence was decided
    (``judge_strategy`` ``llm``/``llm_recall`` add a judge: ``evalscope.metrics.reference_judge``)."""

    def __init__(self, name: str = "acc") -> None:
        _verifier()  # a missing extra fails at setup, before any request
        self.name = name
        self.metrics = (name,)

    def rule_scores(self, sample: "Sample", answers: list["Answer"]) -> list["Score"]:
        from evalscope.api import Score

        scores = []
        for a in answers:
            _, extraction = extract_math_answer(a.text)
            same, how, target = _best(a.extracted, sample)
            scores.append(Score(value={self.name: float(same)}, answer=a.extracted,
                                metadata={"extraction": extraction, "equivalence": how, "target": target}))
        return scores
