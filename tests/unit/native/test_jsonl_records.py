from evalscope.native.records import JsonlAppender, PredictionRecord, read_records, repair_tail


def _rec(i):
    return PredictionRecord(sample_id=str(i), subset="s", model="m", input_hash="h", messages=[], target="t")


def test_a_half_written_last_line_is_cut_off_before_appending(tmp_path):
    path = tmp_path / "p.jsonl"
    w = JsonlAppender(path)
    w.append(_rec(1))
    w.append(_rec(2))
    w.close()
    with open(path, "a") as f:
        f.write('{"sample_id": "3", "subs')  # kill -9 mid-write
    w = JsonlAppender(path)
    w.append(_rec(4))
    w.close()
    assert [r.sample_id for r in read_records(path, PredictionRecord)] == ["1", "2", "4"]


def test_repair_tail_on_a_file_with_no_newline_at_all(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"partial"')
    repair_tail(path)
    assert path.read_text() == ""


def test_unreadable_lines_are_skipped(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(_rec(1).model_dump_json() + "\nnot json\n" + _rec(2).model_dump_json() + "\n")
    assert [r.sample_id for r in read_records(path, PredictionRecord)] == ["1", "2"]
