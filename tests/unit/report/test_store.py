"""The run store on canned run directories: discovery, status, reports, samples paging and filters,
partial and truncated files, perf sweeps, and the path scope."""

from __future__ import annotations

import json
import os

import pytest
from test_store_fixtures import age, eval_run, perf_sweep, prediction, report, review, write_jsonl

from evalscope.report.io import write_report
from evalscope.report.store import OutsideRoots, RunStore, SampleQuery, UnknownRun


def test_finds_eval_and_perf_runs_newest_first(tmp_path):
    eval_run(tmp_path / "outputs", "20260101_120000")
    eval_run(tmp_path / "outputs", "20260103_120000")
    perf_sweep(tmp_path / "perf")
    runs = RunStore([tmp_path / "outputs", tmp_path / "perf"]).runs()
    assert [(r.kind, r.name) for r in runs] == [
        ("eval", "20260103_120000"), ("perf", "20260102_090000/mymodel"), ("eval", "20260101_120000")]
    first = runs[0]
    assert first.id == "0/20260103_120000" and first.models == ["m"] and first.benchmarks == ["demo_arith"]
    assert first.status == "complete" and first.scores == {"m@demo_arith": 0.5} and first.backend == "Native"


def test_a_root_that_is_itself_a_run(tmp_path):
    run = eval_run(tmp_path)
    [info] = RunStore([run]).runs()
    assert info.id == "0/." and info.path == str(run)


def test_status_running_incomplete_errors(tmp_path):
    eval_run(tmp_path, "20260101_000001", datasets=("a", "b"), reports=False, age_s=5)  # still writing
    eval_run(tmp_path, "20260101_000002", datasets=("a", "b"), reports=False)  # killed an hour ago
    errs = eval_run(tmp_path, "20260101_000003")
    write_report(errs / "reports", report("m", "demo_arith", {"default": (0.5, 3)}, errored=1))
    status = {r.name: r.status for r in RunStore([tmp_path]).runs()}
    assert status == {"20260101_000001": "running", "20260101_000002": "incomplete", "20260101_000003": "errors"}


def test_rag_run_by_its_reports_backend(tmp_path):
    run = tmp_path / "rag_run"
    write_report(run / "reports", report("MiniLM", "STSBenchmark", {"test": (0.82, 1379)}, backend="RAGEval"))
    age(run, 3600)
    [info] = RunStore([tmp_path]).runs()
    assert (info.kind, info.backend, info.status, info.scores) == ("rag", "RAGEval", "complete",
                                                                   {"MiniLM@STSBenchmark": 0.82})


def test_unreadable_report_is_a_note_not_a_failure(tmp_path):
    run = eval_run(tmp_path)
    (run / "reports" / "m" / "broken.json").write_text('{"schema_version": 1, "name": ')
    (run / "reports" / "m" / "future.json").write_text(json.dumps(
        {"schema_version": 99, "name": "x", "model_name": "m", "dataset_name": "future"}))
    info = RunStore([tmp_path]).runs()[0]
    assert info.scores == {"m@demo_arith": 0.5}
    assert len(info.notes) == 2 and "broken.json" in info.notes[0] and "schema_version 99" in info.notes[1]


def test_task_config_secrets_masked(tmp_path):
    eval_run(tmp_path, config={"api_url": "http://u:pw-secret@127.0.0.1:1/v1?key=qsecret123"})
    store = RunStore([tmp_path])
    text = json.dumps(store.task_config(store.runs()[0].id))
    assert "sk-abcdefghijkl" not in text and "pw-secret" not in text and "qsecret123" not in text
    assert '"model": "m"' in text


def test_samples_joined_filtered_paged(tmp_path):
    eval_run(tmp_path, n=25)
    store = RunStore([tmp_path])
    rid = store.runs()[0].id
    page = store.samples(rid, SampleQuery(limit=10))
    assert page.total == 25 and len(page.rows) == 10 and page.subsets == ["default"]
    row = page.rows[3]
    assert (row.sample_id, row.answer, row.target, row.extracted, row.main_score) == ("s-3", "42", "3", "42", 0.0)
    assert row.messages[0]["content"] == "question 3" and row.usage == {"total_tokens": 3} and row.wrong
    last = store.samples(rid, SampleQuery(offset=20, limit=10))
    assert [r.index for r in last.rows] == [20, 21, 22, 23, 24]
    wrong = store.samples(rid, SampleQuery(status="wrong", limit=100))
    assert wrong.total == 12 and all(r.main_score == 0.0 for r in wrong.rows)
    assert store.samples(rid, SampleQuery(status="right")).total == 13
    assert [r.sample_id for r in store.samples(rid, SampleQuery(q="QUESTION 17")).rows] == ["s-17"]
    assert store.samples(rid, SampleQuery(q="question 1", status="wrong")).total == 6  # 1, 11, 13, 15, 17, 19


def test_search_matches_text_not_json_keys(tmp_path):
    eval_run(tmp_path, n=3)
    store = RunStore([tmp_path])
    rid = store.runs()[0].id
    assert store.samples(rid, SampleQuery(q="content")).total == 0
    assert store.samples(rid, SampleQuery(q="sample_id")).total == 0


def test_truncated_and_unreadable_lines_are_skipped_with_notes(tmp_path):
    run = eval_run(tmp_path, n=0)
    write_jsonl(run / "predictions" / "m" / "demo_arith_default.jsonl",
                [prediction(0), prediction(1)], tail='not json\n{"sample_id": "s-2", "subs')
    store = RunStore([tmp_path])
    page = store.samples(store.runs()[0].id, SampleQuery())
    assert [r.sample_id for r in page.rows] == ["s-0", "s-1"]
    assert any(":3: unreadable line skipped" in n for n in page.notes)
    assert any("last line is incomplete" in n for n in page.notes)


def test_a_growing_file_is_read_incrementally(tmp_path):
    run = eval_run(tmp_path, n=2)
    store = RunStore([tmp_path])
    rid = store.runs()[0].id
    assert store.samples(rid, SampleQuery()).total == 2
    path = run / "predictions" / "m" / "demo_arith_default.jsonl"
    with open(path, "a") as f:
        f.write(json.dumps(prediction(2, answer="late")))  # half a write: no newline yet
    assert store.samples(rid, SampleQuery()).total == 2
    with open(path, "a") as f:
        f.write("\n" + json.dumps(prediction(0, answer="redone")) + "\n")  # a resumed run re-asked s-0
    page = store.samples(rid, SampleQuery())
    assert page.total == 3 and page.rows[0].answer == "redone" and page.rows[2].answer == "late"
    assert page.rows[2].main_score is None
    assert store.samples(rid, SampleQuery(status="unscored")).total == 1


def test_errored_and_unknown_fields(tmp_path):
    run = eval_run(tmp_path, n=0)
    image = {"type": "image", "image": None, "sha256": "abc123", "source": "imgs/cat.png", "media_type": "image/png"}
    write_jsonl(run / "predictions" / "m" / "demo_arith_default.jsonl", [
        prediction(0, error="HTTP 500 from the server"),
        {**prediction(1), "messages": [{"role": "user", "content": [{"type": "text", "text": "what is it?"}, image]}],
         "new_field": {"x": 1}},
    ])
    write_jsonl(run / "reviews" / "m" / "demo_arith_default.jsonl", [
        review(1, 1.0, judge_reasoning="the answer names the cat", extra_metric=3)])
    store = RunStore([tmp_path])
    rid = store.runs()[0].id
    errored = store.samples(rid, SampleQuery(status="errored")).rows
    assert [r.sample_id for r in errored] == ["s-0"] and errored[0].error == "HTTP 500 from the server"
    assert errored[0].answer is None and errored[0].score is None
    row = store.samples(rid, SampleQuery(status="right")).rows[0]
    assert row.images[0].sha256 == "abc123" and row.images[0].source == "imgs/cat.png"
    assert row.judge == "the answer names the cat"
    assert row.extra == {"new_field": {"x": 1}, "review.extra_metric": 3}


def test_score_records_with_value_and_explanation(tmp_path):
    run = eval_run(tmp_path, n=0)
    write_jsonl(run / "predictions" / "m" / "demo_arith_default.jsonl", [prediction(0)])
    write_jsonl(run / "reviews" / "m" / "demo_arith_default.jsonl", [
        {**review(0, 0.0), "score": {"judge_acc": {"value": 0.0, "explanation": "off by one"}}}])
    store = RunStore([tmp_path])
    row = store.samples(store.runs()[0].id, SampleQuery()).rows[0]
    assert row.main_score == 0.0 and row.judge == "judge_acc: off by one" and row.wrong


def test_subsets_and_benchmark_names_with_underscores(tmp_path):
    run = eval_run(tmp_path, datasets=("my_bench",), n=0, reports=False)
    for subset in ("alpha_one", "beta"):
        write_jsonl(run / "predictions" / "m" / f"my_bench_{subset}.jsonl",
                    [prediction(i, subset=subset) for i in range(3)])
    write_report(run / "reports", report("m", "my_bench", {"alpha_one": (0.0, 3), "beta": (0.0, 3)}))
    store = RunStore([tmp_path])
    rid = store.runs()[0].id
    files = store.sample_files(rid)
    assert [(f.benchmark, f.subset) for f in files] == [("my_bench", "alpha_one"), ("my_bench", "beta")]
    page = store.samples(rid, SampleQuery(benchmark="my_bench", subset="beta"))
    assert page.total == 3 and {r.subset for r in page.rows} == {"beta"} and page.subsets == ["alpha_one", "beta"]


def test_perf_sweep_points_and_requests(tmp_path):
    perf_sweep(tmp_path)
    store = RunStore([tmp_path])
    [info] = store.runs()
    assert info.kind == "perf" and info.models == ["mymodel"] and info.status == "complete"
    assert info.scores == {"parallel_1_number_10": 100.0, "parallel_4_number_10": 400.0}
    points, notes = store.perf_points(info.id)
    assert [p.parallel for p in points] == [1, 4] and notes == []
    assert points[0].args["api_key"] != "sk-xyz12345" and points[1].summary["Avg TTFT (ms)"] == 14.0
    requests, total = store.perf_requests(info.id, "parallel_4_number_10")
    assert total == 10 and requests[0].start == 0.0 and abs(requests[1].start - 0.1) < 1e-9
    assert abs(requests[0].end - 0.2) < 1e-9 and [r.success for r in requests].count(False) == 1
    with pytest.raises(UnknownRun):
        store.perf_requests(info.id, "../../etc")


def test_perf_sweep_still_running(tmp_path):
    sweep = perf_sweep(tmp_path, finished=False)
    (sweep / "parallel_8_number_10").mkdir()
    (sweep / "parallel_8_number_10" / "benchmark_args.json").write_text("{}")
    [info] = RunStore([tmp_path]).runs()
    assert info.status == "running"
    age(sweep, 3600)
    assert RunStore([tmp_path]).runs()[0].status == "incomplete"


def test_run_ids_cannot_leave_the_roots(tmp_path):
    outputs = tmp_path / "outputs"
    eval_run(outputs)
    secret = eval_run(tmp_path / "elsewhere", "20250101_000000")
    store = RunStore([outputs])
    for bad in ("0/../elsewhere/20250101_000000", "0//etc", "1/x", "x/y", "0/" + str(secret), "0/a\0b"):
        with pytest.raises(UnknownRun):
            store.run(bad)
    os.symlink(secret, outputs / "link")
    assert [r.name for r in store.runs()] == ["20260101_120000"]  # the symlinked run outside is not listed
    with pytest.raises(UnknownRun):
        store.run("0/link")


def test_media_files_only_inside_roots(tmp_path):
    run = eval_run(tmp_path / "outputs")
    (run / "imgs").mkdir()
    (run / "imgs" / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.txt").write_text("no")
    os.symlink(tmp_path / "secret.txt", run / "imgs" / "escape.png")
    store = RunStore([tmp_path / "outputs"])
    rid = store.runs()[0].id
    assert store.media_file(rid, "imgs/cat.png") == (run / "imgs" / "cat.png").resolve()
    assert store.media_file(rid, str(run / "imgs" / "cat.png")).name == "cat.png"
    for bad in (str(tmp_path / "secret.txt"), "../../secret.txt", "imgs/escape.png", "imgs/none.png", "imgs"):
        with pytest.raises(OutsideRoots):
            store.media_file(rid, bad)


def test_cache_sees_new_reports(tmp_path):
    run = eval_run(tmp_path, datasets=("a", "b"), reports=False)
    store = RunStore([tmp_path])
    assert store.runs()[0].status == "incomplete"
    write_report(run / "reports", report("m", "a", {"default": (1.0, 4)}))
    write_report(run / "reports", report("m", "b", {"default": (0.25, 4)}))
    info = store.runs()[0]
    assert info.status == "complete" and info.scores == {"m@a": 1.0, "m@b": 0.25}


@pytest.mark.parametrize("record", [
    prediction(3), prediction(4, error="HTTP 500, \"error\":null inside"), review(5, 1.0), review(6, 0.25),
    {**review(7, 0.0), "sample_id": 'a"b\\c ü', "score": {"acc": True}}, {**review(8, 0.0), "score": {}},
])
def test_fast_fields_agree_with_a_full_parse(record):
    from pydantic import BaseModel

    from evalscope.native.records import PredictionRecord, ReviewRecord
    from evalscope.report.store.rows import main_score
    from evalscope.report.store.samples import fast_fields

    model: type[BaseModel] = PredictionRecord if "messages" in record else ReviewRecord
    if isinstance((record.get("score") or {}).get("acc"), bool):
        line = json.dumps(record, separators=(",", ":")).encode()  # a bool score, as another writer may put it
    else:
        line = model.model_validate(record).model_dump_json().encode()
    full = json.loads(line)
    expected = (full["sample_id"], full["repeat"], full["subset"],
                main_score(full.get("score")) if "score" in full else None, bool(full.get("error")))
    assert fast_fields(line) == expected


def test_fast_fields_declines_other_shapes():
    from evalscope.report.store.samples import fast_fields

    assert fast_fields(b'{"repeat":0,"sample_id":"x","subset":"d","error":null}') is None
    assert fast_fields(b'{"sample_id":"x","repeat":0,"subset":"d","error":nul') is None


def test_a_line_broken_in_the_middle_shows_as_an_error(tmp_path):
    run = eval_run(tmp_path, n=0)
    from evalscope.native.records import PredictionRecord

    good = PredictionRecord.model_validate(prediction(0)).model_dump_json()
    broken = good.replace('"messages":[', '"messages":[[[', 1)
    write_jsonl(run / "predictions" / "m" / "demo_arith_default.jsonl", [])
    (run / "predictions" / "m" / "demo_arith_default.jsonl").write_text(broken + "\n")
    store = RunStore([tmp_path])
    [row] = store.samples(store.runs()[0].id, SampleQuery()).rows
    assert row.sample_id == "s-0" and "unreadable record" in row.error
