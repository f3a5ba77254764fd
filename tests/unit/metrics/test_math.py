"""Math answer extraction and equivalence (math-verify) on a table of equal and unequal pairs."""

from __future__ import annotations

import pytest

from evalscope.api import Answer, Sample

pytest.importorskip("math_verify", reason="math equivalence needs the 'math' extra (math-verify)")

from evalscope.metrics.math import MathScorer, extract_math_answer, last_boxed, math_equal  # noqa: E402

EQUAL = [
    ("\\frac{1}{2}", "0.5"), ("1/2", "\\frac12"), ("\\dfrac{14}{3}", "\\frac{14}{3}"), ("025", "25"),
    ("2x+3", "3+2x"), ("(x+1)^2", "x^2+2x+1"), ("\\sqrt{2}/2", "\\frac{\\sqrt{2}}{2}"), ("x=3", "3"),
    ("\\{1,2\\}", "\\{2,1\\}"), ("(1,2)", "(1, 2)"), ("10\\%", "10"), ("90^\\circ", "90"), ("1,000", "1000"),
    ("\\text{(B)}", "B"), ("2\\sqrt{3}", "\\sqrt{12}"), ("\\frac{3}{\\sqrt{3}}", "\\sqrt3"), ("12", "12.0"),
    ("\\$5", "5"), ("5 \\text{ cm}", "5"), ("y = 2x+1", "2x+1"),
]
UNEQUAL = [
    ("\\pi", "3.14159"), ("[1,2)", "[1,2]"), ("(1,2)", "(2,1)"), ("3", "4"), ("x^2", "x^3"), ("1/3", "0.33"),
    ("-5", "5"), ("\\infty", "-\\infty"), ("0.333", "1/3"), ("", "0"),
]


@pytest.mark.parametrize("answer,target", EQUAL)
def test_equivalent_pairs(answer, target):
    same, how = math_equal(answer, target)
    assert same, (answer, target, how)
    assert how in {"string", "math_verify"}


@pytest.mark.parametrize("answer,target", UNEQUAL)
def test_non_equivalent_pairs(answer, target):
    same, how = math_equal(answer, target)
    assert not same, (answer, target, how)
    assert how in {"not_equal", "unparsed", "empty"}


@pytest.mark.parametrize("text,expected", [
    ("so $x = \\boxed{\\frac{a}{b+\\{c\\}}}$.", ("\\frac{a}{b+\\{c\\}}", "boxed")),
    ("first \\boxed{1} then \\fbox{2}", ("2", "boxed")),
    ("The final answer is $42$.\nDone", ("42", "answer_phrase")),
    ("ANSWER: 7", ("7", "answer_phrase")),
    ("we get 3, then 1,250 apples", ("1250", "last_number")),
    ("no idea", ("", "none")),
    ("<think>try \\boxed{1}</think>It is \\boxed{2}.", ("2", "boxed_after_think")),
    ("<think>\\boxed{1}</think>no answer given", ("", "none_after_think")),
])
def test_extraction(text, expected):
    assert extract_math_answer(text) == expected


def test_unbalanced_box_is_not_an_answer():
    assert last_boxed("\\boxed{1 + {2}") is None


def test_scorer_records_extraction_and_equivalence():
    sample = Sample(id="1", input="q", target=["\\frac12"])
    answers = [Answer(text="<think>\\boxed{3}</think> \\boxed{0.5}", extracted="0.5"),
               Answer(repeat=1, text="The answer is 3", extracted="3")]
    right, wrong = MathScorer().score(sample, answers)
    assert right.value == {"acc": 1.0}
    assert right.metadata == {"extraction": "boxed_after_think", "equivalence": "math_verify", "target": "\\frac12"}
    assert wrong.value == {"acc": 0.0} and wrong.metadata["extraction"] == "answer_phrase"
    assert wrong.metadata["equivalence"] == "not_equal"
