"""chartqa, mm_star and ocr_bench take their subsets from a column of their one data file, as EvalScope does
(``reformat_subset``): the Report has a row per subset, scored against an independent count; ``subset_list``
picks some; a row of a category that is none of the subsets stops the run naming it (EvalScope drops it)."""

from __future__ import annotations

import json

import pytest
from vision_data import make_image, pa, pq, sha, write_parquet_shards

from evalscope.perf.mock_server import run_in_thread

# chartqa (type, answer, reply): human 2 of 3 right, augmented 1 of 2 (5 % numeric tolerance) -> overall 3/5
CHARTQA = [("human_test", "42", "ANSWER: 42"), ("augmented_test", "100", "ANSWER: 104"),
           ("human_test", "Yes", "ANSWER: yes"), ("augmented_test", "7", "ANSWER: 9"),
           ("human_test", "Paris", "ANSWER: Rome")]
# mm_star (category, answer, reply): math 1 of 2, coarse perception 1 of 1; one "logical reasoning" row not asked
MMSTAR = [("math", "A", "ANSWER: A"), ("coarse perception", "C", "ANSWER: C"), ("math", "B", "ANSWER: D"),
          ("logical reasoning", "A", "ANSWER: A")]


def _scores(report) -> dict[str, tuple[float, int]]:
    return {s.name: (s.score, s.num) for c in report.metrics[0].categories for s in c.subsets}


def _run(tmp_path, datasets: dict, rules: list[dict]):
    from evalscope import run_task

    with run_in_thread(script=rules, default_reply="unmatched") as server:
        reports = run_task({"model": "m", "api_url": server.url, "datasets": list(datasets),
                            "dataset_args": datasets, "eval_batch_size": 4, "work_dir": str(tmp_path / "out")})
        asked = server.stats()["total_requests"]
    return reports, asked


def test_chartqa_and_mm_star_report_a_row_per_category(tmp_path):
    images = [make_image(300 + i) for i in range(len(CHARTQA) + len(MMSTAR))]
    chart_rows = [{"type": t, "question": f"chart question {i}?", "answer": a,
                   "image": {"bytes": images[i], "path": f"c{i}.png"}} for i, (t, a, _) in enumerate(CHARTQA)]
    write_parquet_shards(tmp_path / "ChartQA" / "data", "test", chart_rows, shards=2)
    star = images[len(CHARTQA):]
    star_rows = [{"index": i, "question": f"Which one?\nOptions: A: a, B: b, C: c, D: d ({i})", "answer": a,
                  "category": c, "l2_category": "x", "image": {"bytes": star[i], "path": None}}
                 for i, (c, a, _) in enumerate(MMSTAR)]
    pq.write_table(pa.Table.from_pylist(star_rows), tmp_path / "mmstar.parquet")  # the hub's one file
    rules = [{"image_sha256": sha(image), "reply": reply}
             for image, reply in zip(images, [r for *_, r in CHARTQA] + [r for *_, r in MMSTAR])]
    reports, asked = _run(tmp_path, {"chartqa": {"local_path": str(tmp_path / "ChartQA")},
                                     "mm_star": {"local_path": str(tmp_path / "mmstar.parquet"),
                                                 "subset_list": ["math", "coarse perception"]}}, rules)
    chart = reports["chartqa"]
    assert _scores(chart) == {"human_test": (pytest.approx(2 / 3, abs=1e-4), 3), "augmented_test": (0.5, 2)}
    assert chart.score == pytest.approx(3 / 5)
    assert _scores(reports["mm_star"]) == {"math": (0.5, 2), "coarse perception": (1.0, 1)}
    assert reports["mm_star"].score == pytest.approx(2 / 3, abs=1e-4)
    assert asked == len(CHARTQA) + 3  # the logical-reasoning row was not asked


def test_ocr_bench_subsets_are_its_question_types(tmp_path):
    from evalscope.benchmarks.vision.ocr_bench import SUBSETS

    (tmp_path / "img").mkdir()
    rows, rules, expected = [], [], {}
    for i, kind in enumerate(SUBSETS):
        for j in range(2):  # the first of each type answered right, the second wrong
            image = make_image(400 + 2 * i + j)
            (tmp_path / "img" / f"{i}_{j}.png").write_bytes(image)
            rows.append({"question": f"What is written? ({i}, {j})", "answer": [f"word{i}"], "question_type": kind,
                         "dataset": "IIIT5K", "image": f"img/{i}_{j}.png"})
            rules.append({"image_sha256": sha(image), "reply": f"It says WORD{i}." if j == 0 else "nothing"})
        expected[kind] = (0.5, 2)
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    reports, asked = _run(tmp_path, {"ocr_bench": {"local_path": str(tmp_path)}}, rules)
    assert _scores(reports["ocr_bench"]) == expected and reports["ocr_bench"].score == 0.5 and asked == 20
    assert [s.name for c in reports["ocr_bench"].metrics[0].categories for s in c.subsets] == list(SUBSETS)


def test_a_row_of_an_unknown_category_is_a_load_error_naming_it(tmp_path):
    rows = [{"index": 0, "question": "q", "answer": "A", "category": "math", "image": {"bytes": make_image(1)}},
            {"index": 1, "question": "q", "answer": "A", "category": "astrology", "image": {"bytes": make_image(2)}}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "mmstar.parquet")
    with pytest.raises(Exception, match="category='astrology', which is none of its subsets"):
        _run(tmp_path, {"mm_star": {"local_path": str(tmp_path / "mmstar.parquet")}}, [])
