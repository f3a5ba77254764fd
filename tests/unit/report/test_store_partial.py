"""Samples pages answered from a partial index: after every small step of indexing and searching, every row
shown matches the query and has its final status, totals never exceed the final ones, and a page that says it
is complete is exactly the final answer (computed here independently from the records)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from evalscope.report.store import rawsearch
from evalscope.report.store.models import SampleFile, SampleQuery
from evalscope.report.store.samples import BenchmarkSamples

STATUSES = ("all", "wrong", "right", "errored", "unscored")
NEEDLES = ("question 7", "the judge liked", "straße", "strasse", "café", "content", "s-1")


def _records(n: int) -> tuple[list[dict], list[dict]]:
    """Predictions in order (one sample asked twice, as a resumed run does); reviews shuffled, some missing."""
    preds, revs = [], []
    for i in range(n):
        error = "HTTP 500" if i % 11 == 5 else None
        text = f"question {i}: what is {i}?" + (" Straße" if i % 17 == 3 else "") + (" café" if i % 19 == 4 else "")
        preds.append({"sample_id": f"s-{i}", "repeat": 0, "subset": "alpha" if i % 3 else "beta", "model": "m",
                      "input_hash": "h", "messages": [{"role": "user", "content": text}], "target": str(i),
                      "output": None if error else {"content": f"answer {i % 7}", "latency": 0.1},
                      "error": error, "timestamp": 1.0})
        if i % 13 == 6:
            continue  # never scored
        score = {"acc": 1.0 if i % 2 == 0 else 0.0}
        revs.append({"sample_id": f"s-{i}", "repeat": 0, "subset": preds[-1]["subset"], "prediction_hash": "p",
                     "prediction": f"answer {i % 7}", "extracted_prediction": str(i % 7), "target": str(i),
                     "score": score, "explanation": "the judge liked it" if i % 5 == 0 else None,
                     "scoring_hash": "x", "error": "judge timed out" if i % 23 == 7 else None})
    preds.append({**preds[4], "output": {"content": "answer redone"}, "error": None})  # s-4 asked again
    random.Random(0).shuffle(revs)
    return preds, revs


def _expected(preds: list[dict], revs: list[dict], query: SampleQuery) -> list[str]:
    last = {p["sample_id"]: p for p in preds}
    reviews = {r["sample_id"]: r for r in revs}
    out = []
    for sid in dict.fromkeys(p["sample_id"] for p in preds):  # rows in the order samples were first written
        p, r = last[sid], reviews.get(sid)
        if query.subset and p["subset"] != query.subset:
            continue
        errored = bool(p["error"] or (r and r["error"]))
        score = r["score"]["acc"] if r else None
        status = {"all": True, "errored": errored, "unscored": score is None and not errored,
                  "wrong": score is not None and score < 1, "right": score is not None and score >= 1}[query.status]
        if not status:
            continue
        if query.q:
            fields = [p["messages"][0]["content"], (p["output"] or {}).get("content") or "", p["target"],
                      p["error"] or "", sid]
            fields += [r["prediction"], r["extracted_prediction"], r["target"], r["error"] or "",
                       r["explanation"] or ""] if r else []
            if not any(query.q.casefold() in f.casefold() for f in fields):
                continue
        out.append(sid)
    return out


def _write(root: Path, preds: list[dict], revs: list[dict], compact: bool) -> SampleFile:
    seps = (",", ":") if compact else (", ", ": ")  # compact: evalscope's own shape (read from head and tail)
    paths = []
    for kind, records in (("predictions", preds), ("reviews", revs)):
        path = root / kind / "m" / "bench_default.jsonl"
        path.parent.mkdir(parents=True)
        path.write_text("".join(json.dumps(r, separators=seps, ensure_ascii=not compact) + "\n" for r in records))
        paths.append(str(path))
    return SampleFile(model="m", benchmark="bench", subset="default", predictions=paths[0], reviews=paths[1])


QUERIES = [SampleQuery(status=s, limit=500) for s in STATUSES] + \
    [SampleQuery(q=q, limit=500) for q in NEEDLES] + \
    [SampleQuery(status="wrong", q="question 1", limit=500), SampleQuery(subset="beta", status="right", limit=500),
     SampleQuery(offset=30, limit=20)]


@pytest.mark.parametrize("compact", [True, False])
def test_every_partial_page_is_a_correct_prefix_of_the_final_answer(tmp_path, monkeypatch, compact):
    monkeypatch.setattr(rawsearch, "CHUNK_BYTES", 3000)
    preds, revs = _records(90)
    samples = BenchmarkSamples([_write(tmp_path, preds, revs, compact)], background=False)
    expected = [_expected(preds, revs, q) for q in QUERIES]
    for q in QUERIES:
        samples.page(q)  # registers the searches
    steps, seen_partial = 0, False
    while True:
        for q, want in zip(QUERIES, expected):
            page = samples.page(q)
            ids = [r.sample_id for r in page.rows]
            if page.complete:
                assert ids == want[q.offset:q.offset + q.limit] and page.total == len(want), (steps, q)
            else:
                seen_partial = True
                assert page.total <= len(want) and set(ids) <= set(want), (steps, q)
        if not samples.work(max_bytes=2000):
            break
        steps += 1
    assert seen_partial and steps > 20
    assert all(samples.page(q).complete for q in QUERIES)
    query = SampleQuery(q="answer redone")
    samples.page(query)
    while samples.work():
        pass
    redone = samples.page(query)
    assert [r.sample_id for r in redone.rows] == ["s-4"] and redone.complete


def test_pending_reviews_are_marked_not_counted_as_unscored(tmp_path):
    preds, revs = _records(40)
    samples = BenchmarkSamples([_write(tmp_path, preds, revs, True)], background=False)
    samples.work(max_bytes=400)  # a few predictions, no review yet
    page = samples.page(SampleQuery())
    assert not page.complete and page.rows and all(r.pending for r in page.rows if r.main_score is None)
    assert samples.page(SampleQuery(status="unscored")).total == 0  # none can be told yet
    while samples.work():
        pass
    done = samples.page(SampleQuery(status="unscored", limit=500))
    assert done.complete and not any(r.pending for r in done.rows)
    assert [r.sample_id for r in done.rows] == _expected(preds, revs, SampleQuery(status="unscored"))


def test_the_background_thread_finishes_a_big_benchmark(tmp_path, monkeypatch):
    from evalscope.report.store import samples as samples_module

    monkeypatch.setattr(samples_module, "INLINE_BYTES", 1000)  # these files count as big: a thread indexes them
    preds, revs = _records(300)
    samples = BenchmarkSamples([_write(tmp_path, preds, revs, True)], wait=0.0)
    query = SampleQuery(status="wrong", q="question 2", limit=500)
    deadline = time.monotonic() + 30
    page = samples.page(query)
    while not page.complete and time.monotonic() < deadline:
        time.sleep(0.05)
        page = samples.page(query)
    assert page.complete and [r.sample_id for r in page.rows] == _expected(preds, revs, query)


def test_folds_to_ascii_is_every_such_character():
    found = "".join(c for c in map(chr, range(0x80, 0x110000)) if any(ord(x) < 128 for x in c.casefold()))
    assert found == rawsearch.FOLDS_TO_ASCII


def test_raw_needles():
    assert rawsearch.raw_needle("Question 7") == b"question 7"
    for undecidable in ("café", 'say "hi"', "a/b", "x<y", "tab\there", ""):
        assert rawsearch.raw_needle(undecidable) is None
