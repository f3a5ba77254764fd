"""Our ANLS and relaxed accuracy against VLMEvalKit's, on one table of predictions.

VLMEvalKit's formulas are restated below from their definitions in ms-vlmeval 0.0.20
(``vlmeval/dataset/utils/vqa_eval.py``: ``anls_compute`` + ``hit_calculate``, ``relaxed_correctness`` + the
max over references), not imported: that package needs torch. Every case must give the same number under
both, except the ones marked ``DIFFERS``, whose two values are asserted as documented in
``evalscope/metrics/vqa.py``: the threshold (VLMEvalKit keeps NL == 0.5, standard ANLS needs NL < 0.5) and
VLMEvalKit's denominator (the raw strings' lengths, extra whitespace included).
"""

from __future__ import annotations

import pytest

from evalscope.api import Sample
from evalscope.metrics import compute_metric
from evalscope.metrics.vqa import anls_score, levenshtein, normalized_distance, relaxed_match


# -- VLMEvalKit, from its definitions
def vlmeval_anls(prediction: str, answers: list[str], threshold: float = 0.5) -> float:
    """min over answers of lev(norm gt, norm pred) / max(len(raw gt .upper()), len(raw pred .upper())), then
    ``0.0 if 1 - min < threshold else 1 - min``."""
    distances = []
    for gt in answers:
        length = max(len(gt.upper()), len(prediction.upper()))
        dist = levenshtein(" ".join(gt.strip().lower().split()), " ".join(prediction.strip().lower().split()))
        distances.append(0.0 if length == 0 else dist / length)
    best = 1 - min(distances)
    return 0.0 if best < threshold else best


def vlmeval_relaxed(prediction: str, answers: list[str]) -> float:
    """max over answers of relaxed_correctness(gt, prediction.strip()) (pix2struct's, 5 %)."""
    def to_float(text):
        try:
            return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
        except ValueError:
            return None

    prediction = prediction.strip()
    hits = []
    for gt in answers:
        p, t = to_float(prediction), to_float(gt)
        hits.append(abs(p - t) / abs(t) <= 0.05 if p is not None and t else prediction.lower() == gt.lower())
    return float(max(hits))


ANLS_CASES = [
    # prediction, references, ours, VLMEvalKit (None: the same as ours)
    ("Paris", ["Paris"], 1.0, None),
    ("paris", ["PARIS"], 1.0, None),                              # case
    ("  new   york ", ["New York"], 1.0, None),                   # whitespace, distance 0
    ("", ["abc"], 0.0, None),                                     # empty answer
    ("", [""], 1.0, None),                                        # both empty
    ("abc", [""], 0.0, None),
    ("abcd", ["abce"], 0.75, None),                               # one substitution in four
    ("abc", ["abd"], pytest.approx(2 / 3), None),
    ("ab", ["ad"], 0.0, 0.5),                                     # NL == 0.5 exactly: DIFFERS (threshold)
    ("1 Jan 2021", ["1 Jan 2020", "January 1, 2021"], 0.9, None),  # best of several references
    ("x", ["wrong", "also wrong"], 0.0, None),
    ("$ 649.90", ["649.90"], 0.75, None),                         # two edits in eight
    ("649.9", ["649.90"], pytest.approx(5 / 6), None),            # an xlsx round trip drops the zero
    ("abcd  ", ["abce"], 0.75, pytest.approx(1 - 1 / 6)),         # raw length 6: DIFFERS (denominator)
    ("straße", ["strasse"], pytest.approx(5 / 7), None),          # "ß".upper() is "SS", same max length here
    ("aß", ["as"], 0.0, pytest.approx(2 / 3)),                    # raw "ASS" is longer: DIFFERS (denominator)
]


@pytest.mark.parametrize("prediction, references, ours, theirs", ANLS_CASES)
def test_anls_against_vlmevalkit(prediction, references, ours, theirs):
    assert anls_score(prediction, references) == ours
    assert vlmeval_anls(prediction, references) == (ours if theirs is None else theirs)
    if theirs is not None:
        assert anls_score(prediction, references) != vlmeval_anls(prediction, references)


RELAXED_CASES = [
    ("12", ["12"], 1.0), ("12.6", ["12"], 1.0), ("12.61", ["12"], 0.0), ("11.4", ["12"], 1.0),  # 5 % either way
    ("5%", ["0.05"], 1.0), ("0.05", ["5%"], 1.0),                  # percent as a fraction
    ("5%%", ["0.05"], 1.0),                                        # every trailing % stripped (pix2struct)
    ("0", ["0"], 1.0), ("0.0", ["0"], 0.0),                        # a zero reference: string match only
    ("Yes", ["yes"], 1.0), (" yes ", ["yes"], 1.0), ("yes.", ["yes"], 0.0),
    ("1,000", ["1000"], 0.0),                                      # not a float: string match
    ("", ["1"], 0.0), ("", [""], 1.0),
    ("20", ["10", "19.5"], 1.0),                                   # best of several references
]


@pytest.mark.parametrize("prediction, references, expected", RELAXED_CASES)
def test_relaxed_accuracy_against_vlmevalkit(prediction, references, expected):
    ours = float(any(relaxed_match(prediction, r) for r in references))
    assert ours == vlmeval_relaxed(prediction, references) == expected


def test_registered_metrics_use_every_reference():
    sample = Sample(id="1", input="q", target=["ten", "10"])
    assert compute_metric("anls", "10", sample) == 1.0
    assert compute_metric("relaxed_accuracy", "10.4", sample) == 1.0
    assert normalized_distance(" A  B ", "a b") == 0.0


def test_choice_or_answer_match():
    mc = Sample(id="1", input="q", target="B", choices=["x", "y"])
    open_q = Sample(id="2", input="q", target="12")
    assert compute_metric("choice_or_answer_match", "b", mc) == 1.0
    assert compute_metric("choice_or_answer_match", "A", mc) == 0.0
    assert compute_metric("choice_or_answer_match", "12.0", open_q) == 1.0
    assert compute_metric("choice_or_answer_match", " 12 ", open_q) == 1.0
    assert compute_metric("choice_or_answer_match", "13", open_q) == 0.0


def test_ocr_contains_as_ocrbench():
    text = Sample(id="1", input="q", target=["CENTRAL"], metadata={"dataset": "IIIT5K"})
    formula = Sample(id="2", input="q", target=["x ^ { 2 }"], metadata={"dataset": "HME100k"})
    assert compute_metric("ocr_contains", "It says Central.", text) == 1.0
    assert compute_metric("ocr_contains", "CENTRA L", text) == 0.0
    assert compute_metric("ocr_contains", "$x^{2}$", formula) == 1.0
    assert compute_metric("ocr_contains", "$X^{2}$", formula) == 0.0  # case kept for formulas
    assert compute_metric("ocr_contains", "x ^\n{ 2 }", formula) == 1.0  # newlines and spaces removed
    assert compute_metric("ocr_contains", "x^\r{2}", formula) == 0.0  # only \n, as OCRBench (a \r stays)
