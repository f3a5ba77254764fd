"""The same predictions scored by our metrics and by VLMEvalKit's own code, run in its environment.

VLMEvalKit's ``process_line`` + ``hit_calculate`` (per prediction) and its datasets' ``evaluate`` (DocVQA_VAL,
ChartQA_TEST, OCRBench, on a predictions file) run in the VLMEvalKit environment's python
(``tests/integration/vision/vlmevalkit_scores.py``); our ``anls``, ``relaxed_accuracy`` and ``ocr_contains``
here. Every number must be equal, except the rows marked as the two documented ANLS differences
(``evalscope/metrics/vqa.py``), whose VLMEvalKit value is asserted as worked out by hand. Skipped without the
environment: ``EVALSCOPE_VLMEVALKIT_PYTHON``, or ``evalscope backend install vlmevalkit``
(``EVALSCOPE_BACKENDS_DIR`` places it).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from evalscope.api import Sample
from evalscope.benchmarks.vision.ocr_bench import SUBSETS
from evalscope.metrics import compute_metric

SCRIPT = Path(__file__).with_name("vlmevalkit_scores.py")


def _python() -> str | None:
    given = os.environ.get("EVALSCOPE_VLMEVALKIT_PYTHON")
    if given:
        return given
    from evalscope.backend import envs

    return str(envs.env_python("vlmevalkit")) if envs.is_installed("vlmevalkit") else None


PYTHON = _python()
pytestmark = pytest.mark.skipif(PYTHON is None, reason="no VLMEvalKit environment (set EVALSCOPE_VLMEVALKIT_PYTHON, "
                                "or `evalscope backend install vlmevalkit` with EVALSCOPE_BACKENDS_DIR)")

# prediction, references, VLMEvalKit's score when it differs from ours (by hand: its threshold keeps NL == 0.5;
# it divides by the raw strings' lengths)
ANLS = [
    ("May 3, 1999", ["May 3, 1999", "3 May 1999"], None), ("j. smith", ["J. Smith"], None),
    ("J. Smyth", ["J. Smith"], None), ("nothing", ["Acme Corp."], None), ("42", ["forty-two", "42"], None),
    ("  new   york ", ["New York"], None), ("", ["abc"], None), ("", [""], None), ("abc", [""], None),
    ("abcd", ["abce"], None), ("1 Jan 2021", ["1 Jan 2020", "January 1, 2021"], None),
    ("$ 649.90", ["649.90"], None), ("649.9", ["649.90"], None), ("straße", ["strasse"], None),
    ("ab", ["ad"], 0.5),                   # NL = 1/2: we give 0
    ("abcd  ", ["abce"], 1 - 1 / 6),       # distance 1 over the raw length 6: we give 1 - 1/4
    ("aß", ["as"], 1 - 1 / 3),             # "Aß".upper() is "ASS": distance 1 over 3; we give 0 (NL 1/2)
]
RELAXED = [
    ("12", ["12"]), ("12.6", ["12"]), ("12.61", ["12"]), ("11.4", ["12"]), ("5%", ["0.05"]), ("0.05", ["5%"]),
    ("5%%", ["0.05"]), ("0", ["0"]), ("0.0", ["0"]), ("Yes", ["yes"]), ("yes.", ["yes"]), ("1,000", ["1000"]),
    ("", ["1"]), ("20", ["10", "19.5"]), ("  2019 ", ["2019"]), ("-3", ["-3.1"]), ("inf", ["1e308"]),
]
HME = "Handwritten Mathematical Expression Recognition"
OCR = [
    ("It says CENTRAL.", ["central"], SUBSETS[0]), ("CENTRA L", ["central"], SUBSETS[0]),
    ("the word is\nhello world", ["Hello World"], SUBSETS[1]), ("", ["x"], SUBSETS[6]),
    ("Total: $12.00", ["12.00", "$12"], SUBSETS[7]), ("name: ACME", ["acme"], SUBSETS[8]),
    ("$x^{2}+1$", ["x ^ { 2 } + 1"], HME), ("$X^{2}$", ["x ^ { 2 }"], HME), ("x ^\n{ 2 }", ["x^{2}"], HME),
]


@pytest.fixture(scope="module")
def theirs() -> dict:
    def rows(table):
        return [{"prediction": p, "answers": a, **({"category": c[0]} if c else {})} for p, a, *c in table]

    cases = {"anls": rows([(p, a) for p, a, _ in ANLS]), "relaxed": rows(RELAXED), "ocr": rows(OCR)}
    done = subprocess.run([PYTHON, str(SCRIPT)], input=json.dumps(cases), capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    return json.loads(line[len("RESULT "):])


def test_anls_equal_but_the_documented_differences(theirs):
    ours = [compute_metric("anls", p, Sample(id=str(i), input="q", target=a)) for i, (p, a, _) in enumerate(ANLS)]
    expected = [o if d is None else d for o, (_, _, d) in zip(ours, ANLS)]
    assert theirs["anls"]["rows"] == pytest.approx(expected, abs=1e-12)
    assert all(o != t for o, t, (_, _, d) in zip(ours, theirs["anls"]["rows"], ANLS) if d is not None)
    # DocVQA_VAL's Overall (0-100) is our mean plus exactly the documented differences
    assert theirs["anls"]["overall"] == pytest.approx(100 * sum(expected) / len(ANLS), abs=1e-9)


def test_relaxed_accuracy_equal_on_every_prediction(theirs):
    ours = [compute_metric("relaxed_accuracy", p, Sample(id=str(i), input="q", target=a))
            for i, (p, a) in enumerate(RELAXED)]
    assert theirs["relaxed"]["rows"] == ours
    assert theirs["relaxed"]["overall"] == pytest.approx(100 * sum(ours) / len(ours), abs=1e-9)  # ChartQA_TEST


def test_ocrbench_counts_equal(theirs):
    ours = {}
    for i, (p, a, category) in enumerate(OCR):
        sample = Sample(id=str(i), input="q", target=a, metadata={"dataset": "HME100k" if category == HME else "x"})
        ours[category] = ours.get(category, 0) + compute_metric("ocr_contains", p, sample)
    recognition = sum(v for k, v in ours.items() if k in SUBSETS[:6])
    assert theirs["ocr"]["Text Recognition"] == recognition
    for key in (SUBSETS[6], SUBSETS[7], SUBSETS[8], HME):
        assert theirs["ocr"][key] == ours.get(key, 0)
    assert theirs["ocr"]["Final Score"] == sum(ours.values()) == 6  # counted by hand: rows 1, 3, 5, 6, 7, 9
