"""Writes tiny VLMEvalKit TSVs under its official names, with real PNG images (rendered text).

``DocVQA_VAL.tsv``: ``index, image (base64 PNG), question, answer (a Python list literal)``;
``RealWorldQA.tsv``: ``index, image, question, A, B, C, answer (a letter), category``. Each question
is unique, so the mock server answers it with a ``contains`` rule; ``DOCVQA``/``REALWORLDQA`` hold
(question, references, reply) so that tests compute the expected scores on their own.
"""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

# (question, references, the mock's reply): exact, near misses (ANLS in (0, 1)), wrong, case/space
DOCVQA = [
    ("What is the invoice number on page 1?", ["INV-20240"], "INV-20240"),
    ("What is the total amount due here?", ["649.95"], "649.92"),
    ("Who signed the letter at the bottom?", ["Margaret Hale"], "Margret Hale"),
    ("What is the date of the meeting?", ["12 March 1998"], "the fifth of May"),
    ("Which company issued the report?", ["Acme Corp"], "acme corp"),
    ("What is the title of the table?", ["Annual Sales", "annual sales figures"], "Annual Sale"),
]
FREE_TEXT = "The tall brown animal with a mane"
# (question, options A-C, answer letter, category, the mock's reply)
REALWORLDQA = [
    ("How many cars are in the left lane?", ("one", "two", "three"), "B", "driving", "B"),
    ("Is the traffic light red or green?", ("red", "green", "yellow"), "A", "driving", "A"),
    ("Which way does the arrow on the road point?", ("left", "right", "ahead"), "C", "driving", "A"),
    ("What color is the sofa in the room?", ("blue", "grey", "brown"), "B", "indoor", "B"),
    ("How many chairs stand at the table?", ("two", "four", "six"), "B", "indoor", "C"),
    # no option letter or text in the reply: exact matching scores it 0, a judge can map it to C
    ("Which animal crosses the road ahead?", ("dog", "cat", "horse"), "C", "driving", FREE_TEXT),
]
JUDGED = {FREE_TEXT: "C"}
"""What the judge (a second mock server) answers for a reply that exact matching cannot read."""


def png_b64(text: str) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 160), "white")
    ImageDraw.Draw(image).text((10, 60), text, fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_docvqa(folder: Path) -> Path:
    rows = [{"index": i, "image": png_b64(f"doc {i}: {refs[0]}"), "question": q, "answer": repr(refs)}
            for i, (q, refs, _) in enumerate(DOCVQA)]
    return _write(Path(folder) / "DocVQA_VAL.tsv", rows)


def write_realworldqa(folder: Path) -> Path:
    rows = [{"index": i, "image": png_b64(f"scene {i}"), "question": q, "A": a, "B": b, "C": c, "answer": ans,
             "category": cat} for i, (q, (a, b, c), ans, cat, _) in enumerate(REALWORLDQA)]
    return _write(Path(folder) / "RealWorldQA.tsv", rows)


def script() -> list[dict]:
    return ([{"contains": q, "reply": reply} for q, _, reply in DOCVQA]
            + [{"contains": q, "reply": reply} for q, _, _, _, reply in REALWORLDQA])


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def vlmeval_anls(prediction: str, references: list[str]) -> float:
    """VLMEvalKit's ANLS: distance over the raw strings' length, kept when 1 - NL >= 0.5."""
    best = 0.0
    for ref in references:
        length = max(len(ref.upper()), len(prediction.upper()))
        norm = levenshtein(" ".join(ref.strip().lower().split()), " ".join(prediction.strip().lower().split()))
        best = max(best, 1 - (norm / length if length else 0.0))
    return 0.0 if best < 0.5 else best


def expected_docvqa() -> float:
    return sum(vlmeval_anls(reply, refs) for _, refs, reply in DOCVQA) / len(DOCVQA)


def expected_realworldqa(judge: bool = False) -> dict[str, float]:
    """Accuracy per category and overall; with ``judge`` the free-text reply counts as the judge maps it."""
    by_cat: dict[str, list[int]] = {}
    for _, _, ans, cat, reply in REALWORLDQA:
        by_cat.setdefault(cat, []).append(int(ans == (JUDGED.get(reply, reply) if judge else reply)))
    out = {c: sum(v) / len(v) for c, v in by_cat.items()}
    out["Overall"] = sum(sum(v) for v in by_cat.values()) / len(REALWORLDQA)
    return out


def judge_script() -> list[dict]:
    return [{"contains": reply, "reply": letter} for reply, letter in JUDGED.items()]
