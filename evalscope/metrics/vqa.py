"""VQA metrics: ANLS (DocVQA, InfographicVQA) and relaxed accuracy (ChartQA), best over the reference answers.

``anls`` is the metric of Biten et al. 2019 ("Scene Text Visual Question Answering", ICCV; the DocVQA
challenge's): answers and references are compared lower-cased with runs of whitespace collapsed, the
normalized Levenshtein distance is ``NL = lev(a, r) / max(len(a), len(r))`` over those normalized strings,
and the score is ``1 - NL`` when ``NL < 0.5``, else 0; a question's score is the best over its references.

Where VLMEvalKit differs (``vlmeval/dataset/utils/vqa_eval.py``, ms-vlmeval 0.0.20; its formulas restated in
``tests/unit/metrics/test_vqa_vs_vlmevalkit.py``, its own code run on the same predictions in its environment by
``tests/integration/vision/test_vqa_vlmevalkit_same_predictions.py``):

- it keeps a score when ``NL <= 0.5`` (``0.0 if 1 - NL < 0.5``): at exactly ``NL = 0.5`` it gives 0.5, we give 0;
- it divides by the length of the *raw* strings (``len(s.upper())``), so extra whitespace around or inside an
  answer with a nonzero distance makes its distance smaller there.

``relaxed_accuracy`` is Methani et al. 2020 / pix2struct's ``relaxed_correctness``, as VLMEvalKit has it: when
both strings parse as floats (``"12%"`` as 0.12) and the reference is nonzero, correct within 5 % relative
change; otherwise an exact, case-insensitive string match. Scores here are on 0-1; VLMEvalKit reports 0-100.
"""

from __future__ import annotations

from typing import Optional, Sequence

from evalscope.api.dataset import Sample
from evalscope.registry import register

ANLS_THRESHOLD = 0.5
RELAXED_TOLERANCE = 0.05


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().split())


def normalized_distance(answer: str, reference: str) -> float:
    """``lev / max(len)`` of the lower-cased, whitespace-collapsed strings (0.0 when both are empty)."""
    a, r = _normalize(answer), _normalize(reference)
    length = max(len(a), len(r))
    return 0.0 if length == 0 else levenshtein(a, r) / length


def anls_score(answer: str, references: Sequence[str], threshold: float = ANLS_THRESHOLD) -> float:
    """The best ``1 - NL`` over the references, counting only ``NL < threshold`` (0.0 without references)."""
    best = 0.0
    for reference in references:
        distance = normalized_distance(answer, reference)
        if distance < threshold:
            best = max(best, 1.0 - distance)
    return best


def _to_float(text: str) -> Optional[float]:
    try:
        return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)  # pix2struct's rstrip
    except ValueError:
        return None


def relaxed_match(answer: str, reference: str, tolerance: float = RELAXED_TOLERANCE) -> bool:
    """Numbers within ``tolerance`` relative change of a nonzero reference; anything else equal ignoring case."""
    answer, reference = answer.strip(), str(reference)
    a, r = _to_float(answer), _to_float(reference)
    if a is not None and r:
        return abs(a - r) / abs(r) <= tolerance
    return answer.lower() == reference.lower()


@register("metric", "anls")
def anls(answer: str, sample: Sample) -> float:
    """ANLS against the sample's references (threshold 0.5, best over references)."""
    return anls_score(answer, sample.targets)


@register("metric", "relaxed_accuracy")
def relaxed_accuracy(answer: str, sample: Sample) -> float:
    """1.0 when the answer is relaxed-correct against any reference (5 % numeric tolerance)."""
    return float(any(relaxed_match(answer, t) for t in sample.targets))


@register("metric", "choice_or_answer_match")
def choice_or_answer_match(answer: str, sample: Sample) -> float:
    """Multiple choice (the sample has ``choices``): the letter equals the target. Otherwise the answer equals
    a reference ignoring case and runs of whitespace, or both parse as the same number (MMMU's open questions)."""
    from evalscope.metrics import normalized_match, numeric_match

    if sample.choices:
        return float(answer.strip().upper() == sample.target_text.strip().upper())
    return max(normalized_match(answer, sample), numeric_match(answer, sample))


@register("metric", "ocr_contains")
def ocr_contains(answer: str, sample: Sample) -> float:
    """OCRBench's rule: 1.0 when a reference occurs in the answer, ignoring case, newlines as spaces; for
    handwritten formulas (``metadata.dataset == "HME100k"``) case kept and all spaces removed."""
    formula = sample.metadata.get("dataset") == "HME100k"
    for reference in sample.targets:
        if formula:
            ref, pred = (s.strip().replace("\n", " ").replace(" ", "") for s in (reference, answer))
        else:
            ref, pred = (s.lower().strip().replace("\n", " ") for s in (reference, answer))
        if ref in pred:
            return 1.0
    return 0.0
