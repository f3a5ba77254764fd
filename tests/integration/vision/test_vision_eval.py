"""DocVQA and RealWorldQA end to end against the real mock server, on generated data in the hub layouts.

The mock answers by image content hash, so the test knows which reply each sample gets; its request log
shows every image arrived byte for byte (hash and size) or, with limits, within them. Scores are checked
against hand-worked values; records keep image hash + source, never bytes. A corrupt image is that sample's
error; a missing image file is a load-time error naming it.
"""

from __future__ import annotations

import json

import pytest
from vision_data import make_image, only_run_dir, read_jsonl, read_report, run_cli, sha, write_parquet_shards

from evalscope.perf.mock_server import run_in_thread

# (image, answers, reply): ANLS 1, 1 (case), 1 - 1/8 (one edit in "j. smith"), 0, 1 (several references), 0
# (NL exactly 0.5: 0 under standard ANLS) -> mean 3.875 / 6
DOCVQA = [
    (make_image(1), ["May 3, 1999", "3 May 1999"], "The letter is dated.\nANSWER: May 3, 1999"),
    (make_image(2, fmt="JPEG"), ["J. Smith"], "ANSWER: j. smith"),
    (make_image(3), ["J. Smith"], "ANSWER: J. Smyth"),
    (make_image(4), ["Acme Corp."], "ANSWER: nothing"),
    (make_image(5, size=(100, 140)), ["forty-two", "42"], "blah\nANSWER: 42"),
    (make_image(6), ["ad"], "ANSWER: ab"),
]
DOCVQA_SCORE = (1 + 1 + 0.875 + 0 + 1 + 0) / 6
# RealWorldQA: right (a letter given as "B. two"), right, wrong, right ("3." is 3) -> 0.75
REALWORLD = [
    (make_image(11), "How many lanes?\nA. one\nB. two\nPlease answer with the letter.", "B", "ANSWER: B. two"),
    (make_image(12, fmt="JPEG"), "How many lights are red?", "2", "Two of them.\nANSWER: 2"),
    (make_image(13), "Is it raining?\nA. yes\nB. no", "A", "ANSWER: C"),
    (make_image(14), "How many cars?", "3", "ANSWER: 3."),
]


def _docvqa_dir(root, rows=DOCVQA):
    table = [{"questionId": i, "question": f"Question {i} about the page?", "question_types": ["form"],
              "image": {"bytes": image, "path": f"doc_{i}.png"}, "docId": 100 + i, "answers": answers}
             for i, (image, answers, _) in enumerate(rows)]
    write_parquet_shards(root / "DocVQA", "validation", table, shards=2)
    return root


def _realworld_dir(root):
    (root / "images").mkdir(parents=True)
    with open(root / "test.jsonl", "w") as f:
        for i, (image, question, answer, _) in enumerate(REALWORLD):
            (root / "images" / f"{i}.img").write_bytes(image)
            f.write(json.dumps({"question": question, "answer": answer, "image": f"images/{i}.img"}) + "\n")
    return root


def test_docvqa_and_real_world_qa_through_the_cli(tmp_path):
    docvqa, realworld = _docvqa_dir(tmp_path / "DocVQA"), _realworld_dir(tmp_path / "RealWorldQA")
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    rules += [{"image_sha256": sha(image)[:16], "reply": reply} for image, _, _, reply in REALWORLD]
    args = {"docvqa": {"local_path": str(docvqa)}, "real_world_qa": {"local_path": str(realworld)}}
    with run_in_thread(script=rules, default_reply="unmatched") as server:
        result = run_cli("eval", "--model", "qwen2.5-vl", "--api-url", server.url, "--datasets", "docvqa",
                         "real_world_qa", "--dataset-args", json.dumps(args), "--eval-batch-size", "4",
                         "--work-dir", str(tmp_path / "out"))
        log = server.stats(requests=True)["requests"]
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    docvqa_metric = read_report(run_dir, "qwen2.5-vl", "docvqa")["metrics"][0]
    assert docvqa_metric["name"] == "mean_anls" and docvqa_metric["score"] == pytest.approx(DOCVQA_SCORE, abs=1e-4)
    assert read_report(run_dir, "qwen2.5-vl", "real_world_qa")["metrics"][0]["score"] == 0.75

    # every image arrived intact: the bytes the server decoded hash to the file's content, one image per request
    received = sorted((i["sha256"], i["bytes"]) for r in log for i in r["images"])
    sent = sorted((sha(x[0]), len(x[0])) for x in DOCVQA + REALWORLD)
    assert received == sent and all(len(r["images"]) == 1 for r in log)
    assert {i["media_type"] for r in log for i in r["images"]} == {"image/png", "image/jpeg"}

    # records: hash + source, no bytes
    for name, subset in (("docvqa", "DocVQA"), ("real_world_qa", "default")):
        path = run_dir / "predictions" / "qwen2.5-vl" / f"{name}_{subset}.jsonl"
        assert "base64" not in path.read_text()
        for record in read_jsonl(path):
            (image,) = [p for p in record["messages"][-1]["content"] if p["type"] == "image"]
            assert image.get("image") is None and len(image["sha256"]) == 16 and image["source"]
    sources = {p["source"] for r in read_jsonl(run_dir / "predictions" / "qwen2.5-vl" / "docvqa_DocVQA.jsonl")
               for p in r["messages"][-1]["content"] if p["type"] == "image"}
    assert sources == {f"doc_{i}.png" for i in range(len(DOCVQA))}


def test_limits_scale_and_reencode_what_is_sent(tmp_path):
    from evalscope import run_task

    rows = [(make_image(20 + i, size=(400, 300), noise=True), [f"answer {i}"], f"ANSWER: answer {i}")
            for i in range(3)]
    assert all(len(image) > 300_000 for image, _, _ in rows)
    docvqa = _docvqa_dir(tmp_path / "DocVQA", rows)
    rules = [{"contains": f"Question {i} about", "reply": reply} for i, (_, _, reply) in enumerate(rows)]
    args = {"local_path": str(docvqa), "max_image_bytes": "50kB", "image_max_pixels": 40_000}
    with run_in_thread(script=rules) as server:
        reports = run_task({"model": "m", "api_url": server.url, "datasets": ["docvqa"], "eval_batch_size": 3,
                            "dataset_args": {"docvqa": args}, "work_dir": str(tmp_path / "out")})
        log = server.stats(requests=True)["requests"]
    assert reports["docvqa"].score == 1.0
    images = [i for r in log for i in r["images"]]
    assert len(images) == 3
    for image in images:
        assert image["bytes"] <= 50_000 and image["width"] * image["height"] <= 40_000
        assert abs(image["width"] / image["height"] - 4 / 3) < 0.02
    assert not {i["sha256"] for i in images} & {sha(image) for image, _, _ in rows}  # re-encoded, not the originals


def test_a_corrupt_image_is_that_samples_error(tmp_path):
    from evalscope import run_task

    rows = list(DOCVQA[:3])
    rows[1] = (rows[1][0][:200], rows[1][1], rows[1][2])  # a JPEG cut short
    rows[2] = (b"GIF89a not really", rows[2][1], rows[2][2])
    docvqa = _docvqa_dir(tmp_path / "DocVQA", rows)
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in rows]
    with run_in_thread(script=rules) as server:
        reports = run_task({"model": "m", "api_url": server.url, "datasets": ["docvqa"], "ignore_errors": True,
                            "dataset_args": {"docvqa": {"local_path": str(docvqa)}}, "work_dir": str(tmp_path / "o")})
        total = server.stats()["total_requests"]
    report = reports["docvqa"]
    assert (report.execution.succeeded, report.execution.errored, report.score) == (1, 2, 1.0)
    assert total == 1  # the broken images were never sent
    errors = {r["sample_id"]: r["error"] for r in read_jsonl(
        only_run_dir(tmp_path / "o") / "predictions" / "m" / "docvqa_DocVQA.jsonl") if r["error"]}
    assert "doc_1.png" in errors["1"] and ("corrupt" in errors["1"] or "cannot" in errors["1"])
    assert "doc_2.png" in errors["2"]


def test_a_resumed_run_prepares_only_the_images_it_sends(tmp_path, monkeypatch):
    """Images are encoded ahead of the requests, but not those of samples whose answers the run already has."""
    from evalscope import run_task
    from evalscope.api import images

    encoded = []
    prepare = images.prepare_messages
    monkeypatch.setattr(images, "prepare_messages", lambda messages, limits: encoded.append(
        next(p.source for m in messages if not isinstance(m.content, str) for p in m.content if p.type == "image"))
        or prepare(messages, limits))
    docvqa = _docvqa_dir(tmp_path / "DocVQA")
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    config = {"model": "m", "datasets": ["docvqa"], "dataset_args": {"docvqa": {"local_path": str(docvqa)}},
              "work_dir": str(tmp_path / "out"), "repeats": 2}
    with run_in_thread(script=rules) as server:
        first = run_task({**config, "api_url": server.url})["docvqa"].score
        assert sorted(encoded) == [f"doc_{i}.png" for i in range(6)]  # once per sample, for both repeats
        run_dir = only_run_dir(tmp_path / "out")
        predictions = run_dir / "predictions" / "m" / "docvqa_DocVQA.jsonl"
        kept = [line for line in predictions.read_text().splitlines() if '"sample_id":"2"' not in line]
        predictions.write_text("\n".join(kept) + "\n")  # sample 2's answers lost
        encoded.clear()
        again = run_task({**config, "api_url": server.url, "use_cache": str(run_dir)})["docvqa"].score
        assert encoded == ["doc_2.png"] and again == first
        assert server.stats()["total_requests"] == 2 * len(DOCVQA) + 2


def test_image_requests_are_encoded_in_the_image_pool_not_on_the_event_loop(tmp_path, monkeypatch):
    """An image sample's request body (megabytes of base64) is made in the image pool right after its images are
    prepared; the event loop only sends it. The answers and score are those of the plain path."""
    import threading

    from evalscope import run_task
    from evalscope.models.openai_api import OpenAICompatibleModel

    threads = []
    encode = OpenAICompatibleModel.encode_request
    monkeypatch.setattr(OpenAICompatibleModel, "encode_request", lambda self, messages, config: threads.append(
        threading.current_thread().name) or encode(self, messages, config))
    docvqa = _docvqa_dir(tmp_path / "DocVQA")
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    with run_in_thread(script=rules) as server:
        report = run_task({"model": "m", "datasets": ["docvqa"], "api_url": server.url,
                           "dataset_args": {"docvqa": {"local_path": str(docvqa)}}, "work_dir": str(tmp_path / "out")})
        assert server.stats()["total_requests"] == len(DOCVQA)
    assert len(threads) == len(DOCVQA) and all(name.startswith("evalscope-images") for name in threads)
    assert report["docvqa"].score == pytest.approx(DOCVQA_SCORE, abs=1e-4)  # reports round to 4 places


def test_an_answer_that_cannot_be_written_ends_the_image_run_with_that_error(tmp_path, monkeypatch):
    """Image runs do not wait for each answer's write, but a write that fails (a full disk) is not lost: the run
    stops with its error, and what was written before it stays readable for a resume."""
    from evalscope import run_task
    from evalscope.native import records

    append, written = records.JsonlAppender.append, []

    def append_until_full(self, record):
        if "predictions" in str(self.path):
            if len(written) == 3:
                raise OSError(28, "No space left on device")
            written.append(record)
        append(self, record)

    monkeypatch.setattr(records.JsonlAppender, "append", append_until_full)
    docvqa = _docvqa_dir(tmp_path / "DocVQA")
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    with run_in_thread(script=rules) as server:
        with pytest.raises(OSError, match="No space left on device"):
            run_task({"model": "m", "datasets": ["docvqa"], "api_url": server.url, "eval_batch_size": 2,
                      "dataset_args": {"docvqa": {"local_path": str(docvqa)}}, "work_dir": str(tmp_path / "out")})
    lines = read_jsonl(only_run_dir(tmp_path / "out") / "predictions" / "m" / "docvqa_DocVQA.jsonl")
    assert len(lines) == 3 and all(r["output"] for r in lines)


def test_a_data_file_changed_mid_run_is_the_error_of_the_samples_it_lost(tmp_path, monkeypatch):
    """Parquet images are read when their samples are sent: rows cut from a shard after loading fail one by one
    (naming the file), the others are answered, and without ignore_errors the run ends with that error."""
    from evalscope import run_task
    from evalscope.errors import RunFailed
    from evalscope.native import engine

    docvqa = _docvqa_dir(tmp_path / "DocVQA")  # 2 shards of 3 rows
    shard = docvqa / "DocVQA" / "validation-00001-of-00002.parquet"
    plan = engine.BenchmarkRun.plan

    def plan_then_cut_the_shard(run):
        plans = plan(run)
        import pyarrow.parquet as pq

        pq.write_table(pq.read_table(shard).slice(0, 1), shard)  # rows 4 and 5 gone
        return plans

    monkeypatch.setattr(engine.BenchmarkRun, "plan", plan_then_cut_the_shard)
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    config = {"model": "m", "datasets": ["docvqa"], "dataset_args": {"docvqa": {"local_path": str(docvqa)}}}
    with run_in_thread(script=rules) as server:
        report = run_task({**config, "api_url": server.url, "ignore_errors": True,
                           "work_dir": str(tmp_path / "o")})["docvqa"]
        assert server.stats()["total_requests"] == 4
    assert (report.execution.succeeded, report.execution.errored) == (4, 2)
    errors = {r["sample_id"]: r["error"] for r in read_jsonl(
        only_run_dir(tmp_path / "o") / "predictions" / "m" / "docvqa_DocVQA.jsonl") if r["error"]}
    assert set(errors) == {"4", "5"} and all(shard.name in e and "changed" in e for e in errors.values()), errors
    _docvqa_dir(tmp_path / "again")
    shard = tmp_path / "again" / "DocVQA" / "validation-00001-of-00002.parquet"
    with run_in_thread(script=rules) as server, pytest.raises(RunFailed, match=r"failed; first: sample '4'.*"
                                                                                 + shard.name):
        run_task({**config, "api_url": server.url, "work_dir": str(tmp_path / "o2"),
                  "dataset_args": {"docvqa": {"local_path": str(tmp_path / "again")}}})


def test_a_missing_image_file_is_a_load_time_error_naming_it(tmp_path):
    realworld = _realworld_dir(tmp_path / "RealWorldQA")
    (realworld / "images" / "2.img").unlink()
    args = {"real_world_qa": {"local_path": str(realworld)}}
    with run_in_thread() as server:
        result = run_cli("eval", "--model", "m", "--api-url", server.url, "--datasets", "real_world_qa",
                         "--dataset-args", json.dumps(args), "--work-dir", str(tmp_path / "out"))
        total = server.stats()["total_requests"]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "images/2.img" in result.stderr and "row 3" in result.stderr, result.stderr
    assert total == 0


def test_own_data_with_several_images_per_sample_arrives_in_order(tmp_path):
    """general_vmcq (placeholders and an images list) and general_vqa (OpenAI messages): every image of a
    sample reaches the server, in the order the row gives them."""
    from evalscope import run_task

    pics = [make_image(40 + i, fmt="JPEG" if i % 2 else "PNG") for i in range(5)]
    (tmp_path / "imgs").mkdir()
    for i, data in enumerate(pics):
        (tmp_path / "imgs" / f"{i}.bin").write_bytes(data)
    import base64

    vmcq = [{"question": "<image 2> left, <image 1> right: which is the cat?", "options": ["left", "right"],
             "answer": "B", "image_1": "imgs/0.bin", "image_2": base64.b64encode(pics[1]).decode()},
            {"question": "Which is darker?", "options": ["first", "second", "third"], "answer": "C",
             "images": ["imgs/2.bin", "imgs/3.bin", "imgs/4.bin"]}]
    vqa = [{"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "imgs/4.bin"}}, {"type": "text", "text": "Same as this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(pics[0]).decode()}}]}],
        "answer": "no"}]
    (tmp_path / "vmcq").mkdir()
    (tmp_path / "vmcq" / "default_val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in vmcq))
    (tmp_path / "vqa").mkdir()
    (tmp_path / "vqa" / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in vqa))
    rules = [{"contains": "which is the cat", "reply": "ANSWER: B"}, {"contains": "darker", "reply": "ANSWER: A"},
             {"contains": "Same as this?", "reply": "no"}]
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)  # EvalScope's examples give image paths relative to the working directory
    try:
        with run_in_thread(script=rules) as server:
            reports = run_task({"model": "m", "api_url": server.url, "datasets": ["general_vmcq", "general_vqa"],
                                "dataset_args": {"general_vmcq": {"local_path": "vmcq"},
                                                 "general_vqa": {"local_path": "vqa"}},
                                "work_dir": str(tmp_path / "out")})
            log = server.stats(requests=True)["requests"]
    finally:
        os.chdir(cwd)
    assert reports["general_vmcq"].score == 0.5
    orders = sorted([i["sha256"] for i in r["images"]] for r in log)
    expected = sorted([[sha(pics[1]), sha(pics[0])], [sha(pics[2]), sha(pics[3]), sha(pics[4])],
                       [sha(pics[4]), sha(pics[0])]])
    assert orders == expected


def test_resume_reuses_answers_by_image_content(tmp_path):
    """Resuming re-reads the parquet into a new temporary folder: prompts match by image hash, nothing is asked
    again; a changed image under use_cache is refused as a changed prompt, naming the sample."""
    from evalscope import run_task

    docvqa = _docvqa_dir(tmp_path / "DocVQA")
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in DOCVQA]
    config = {"model": "m", "datasets": ["docvqa"], "dataset_args": {"docvqa": {"local_path": str(docvqa)}},
              "work_dir": str(tmp_path / "out")}
    with run_in_thread(script=rules) as server:
        first = run_task({**config, "api_url": server.url})["docvqa"].score
        run_dir = only_run_dir(tmp_path / "out")
        again = run_task({**config, "api_url": server.url, "use_cache": str(run_dir)})["docvqa"].score
        assert server.stats()["total_requests"] == len(DOCVQA) and again == first
    changed = [(make_image(99), *DOCVQA[0][1:]), *DOCVQA[1:]]
    docvqa = _docvqa_dir(tmp_path / "DocVQA2", changed)
    with run_in_thread(script=rules, default_reply="ANSWER: May 3, 1999") as server:
        try:
            run_task({**config, "api_url": server.url, "use_cache": str(run_dir),
                      "dataset_args": {"docvqa": {"local_path": str(docvqa)}}})
        except Exception as exc:  # a changed prompt under use_cache is refused, naming the sample
            assert "different prompt" in str(exc) and "'0'" in str(exc)
        else:
            raise AssertionError("a changed image under use_cache was not noticed")


def test_kill_9_of_an_image_run_then_resume_asks_again_at_most_what_was_in_flight_or_unwritten(tmp_path):
    """Image runs write their answers from a thread, not waiting for each write but never more than ``batch``
    unwritten: a kill -9 loses at most the answers in flight and as many just answered (text runs: in flight)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    n, batch = 40, 4
    rows = [(make_image(200 + i), [f"answer {i}"], f"ANSWER: answer {i}") for i in range(n)]
    docvqa = _docvqa_dir(tmp_path / "DocVQA", rows)
    rules = [{"image_sha256": sha(image), "reply": reply} for image, _, reply in rows]
    args = ["eval", "--model", "m", "--datasets", "docvqa", "--eval-batch-size", str(batch),
            "--dataset-args", json.dumps({"docvqa": {"local_path": str(docvqa)}})]
    with run_in_thread(script=rules, latency_ms=60) as server:
        work = tmp_path / "killed"
        proc = subprocess.Popen([sys.executable, "-m", "evalscope", *args, "--api-url", server.url,
                                 "--work-dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline, pred_file = time.time() + 60, None
        while time.time() < deadline and pred_file is None:
            found = list(work.glob("*/predictions/m/docvqa_DocVQA.jsonl")) if work.exists() else []
            if found and len(found[0].read_text().splitlines()) >= n // 3:
                pred_file = found[0]
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert pred_file is not None, "the run never wrote predictions"
        before = {r["sample_id"] for r in read_jsonl(pred_file) if r["output"]}
        assert 0 < len(before) < n
        run_dir = only_run_dir(work)
        resumed = run_cli(*args, "--api-url", server.url, "--work-dir", str(work), "--use-cache", str(run_dir))
        assert resumed.returncode == 0, resumed.stderr
        counts = server.stats()["prompts"]
    report = read_report(run_dir, "m", "docvqa")
    assert report["metrics"][0]["num"] == n and report["metrics"][0]["score"] == 1.0
    import re

    by_row = {int(re.search(r"Question (\d+) about", prompt).group(1)): c for prompt, c in counts.items()}
    assert sorted(by_row) == list(range(n))  # every sample asked
    assert all(by_row[int(i)] == 1 for i in before)  # nothing answered before the kill was asked again
    assert sum(1 for c in by_row.values() if c > 1) <= 2 * batch and sum(by_row.values()) <= n + 2 * batch
