"""The run directory: locked while a run uses it, resumable only when it is a run, its config written
atomically, file names that never collide (issue 8, defects 4, 5 and 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from conftest import only_run_dir, read_jsonl, run_cli

from evalscope.perf.mock_server import run_in_thread
from evalscope.run_dir import RunDir

DEMO = ["eval", "--datasets", "demo_arith", "--limit", "3"]


def _first_run(tmp_path):
    done = run_cli(*DEMO, "--work-dir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    return only_run_dir(tmp_path / "out")


def test_a_run_directory_in_use_is_refused_naming_the_holder(tmp_path):
    run_dir = _first_run(tmp_path)
    with RunDir(run_dir).lock():
        busy = run_cli(*DEMO, "--use-cache", str(run_dir))
    assert busy.returncode == 2, busy.stderr
    assert f"in use by another evalscope run (pid {os.getpid()})" in busy.stderr
    assert "Traceback" not in busy.stderr
    again = run_cli(*DEMO, "--use-cache", str(run_dir))  # the lock ends with its holder
    assert again.returncode == 0, again.stderr


def test_a_no_timestamp_work_dir_in_use_is_refused(tmp_path):
    with RunDir(tmp_path).lock():
        busy = run_cli(*DEMO, "--no-timestamp", "--work-dir", str(tmp_path))
    assert busy.returncode == 2 and f"pid {os.getpid()}" in busy.stderr, busy.stderr
    assert not (tmp_path / "configs").exists()


def test_two_concurrent_resumes_do_not_both_run(tmp_path):
    args = ["eval", "--model", "m", "--datasets", "demo_arith", "--eval-batch-size", "2", "--limit", "12"]
    with run_in_thread(latency_ms=400) as server:
        first = run_cli(*args[:-2], "--limit", "1", "--api-url", server.url, "--work-dir", str(tmp_path))
        assert first.returncode == 0, first.stderr
        run_dir = only_run_dir(tmp_path)
        lock = RunDir(run_dir).lock_file
        cmd = [sys.executable, "-m", "evalscope", *args, "--api-url", server.url, "--use-cache", str(run_dir)]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
        deadline = time.time() + 60
        while lock.read_text().strip() != str(procs[0].pid) and time.time() < deadline:
            time.sleep(0.02)  # the first resume holds the directory (11 answers to ask, 2.4 s at least)
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outs = [p.communicate(timeout=120) for p in procs]
        stats = server.stats()
    assert [p.returncode for p in procs] == [0, 2], [o[1][-2000:] for o in outs]
    assert f"in use by another evalscope run (pid {procs[0].pid})" in outs[1][1]
    records = read_jsonl(run_dir / "predictions" / "m" / "demo_arith_default.jsonl")
    keys = {(r["sample_id"], r["repeat"]) for r in records}
    assert len(records) == len(keys) == 12  # every sample asked once
    assert stats["total_requests"] == 12


def test_use_cache_needs_an_existing_run(tmp_path):
    plain = tmp_path / "not-a-run"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine")
    done = run_cli(*DEMO, "--use-cache", str(plain))
    assert done.returncode == 2, done.stderr
    assert "is not an evalscope run directory (it has no configs/task_config.yaml)" in done.stderr
    assert sorted(p.name for p in plain.iterdir()) == ["notes.txt"]  # left as it was


def test_a_damaged_task_config_is_said_to_be_damaged(tmp_path):
    run_dir = _first_run(tmp_path)
    config = run_dir / "configs" / "task_config.yaml"
    for damage in ("model_id: [unclosed\n", "- just\n- a list\n", "generation_config: {temperature: -3}\n"):
        config.write_text(damage)
        done = run_cli(*DEMO, "--use-cache", str(run_dir))
        assert done.returncode == 2, done.stderr
        assert f"{config} is damaged" in done.stderr and "different config" not in done.stderr, done.stderr
        assert "start a new run without --use-cache" in done.stderr
        assert config.read_text() == damage  # not overwritten by the refused resume


def test_the_task_config_is_replaced_atomically_on_resume(tmp_path):
    run_dir = _first_run(tmp_path)
    config = run_dir / "configs" / "task_config.yaml"
    before = config.stat().st_ino
    done = run_cli(*DEMO, "--use-cache", str(run_dir))
    assert done.returncode == 0, done.stderr
    assert config.stat().st_ino != before  # a new file renamed over the old, never a half-written one
    assert sorted(p.name for p in config.parent.iterdir()) == ["task_config.yaml"]


def test_subsets_whose_safe_names_collide_get_their_own_files_and_resume(tmp_path):
    data = tmp_path / "qa"
    data.mkdir()
    for name, answer in (("a b", "yes"), ("a_b", "no")):
        rows = [{"query": f"{name} question {i}?", "response": answer} for i in range(3)]
        (data / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["eval", "--model", "mock", "--eval-type", "mock_llm", "--model-args", '{"reply": "yes"}',
            "--datasets", "general_qa", "--dataset-args", json.dumps({"general_qa": {"local_path": str(data)}})]
    done = run_cli(*args, "--work-dir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    run_dir = only_run_dir(tmp_path / "out")
    files = sorted(p.name for p in (run_dir / "predictions" / "mock").iterdir())
    assert len(files) == 2 and "general_qa_a_b.jsonl" in files, files  # the safe name stays as it was
    for f in files:
        records = read_jsonl(run_dir / "predictions" / "mock" / f)
        assert len(records) == 3 and len({r["subset"] for r in records}) == 1
    again = run_cli(*args, "--use-cache", str(run_dir))
    assert again.returncode == 0, again.stderr
    for f in files:
        assert len(read_jsonl(run_dir / "predictions" / "mock" / f)) == 3  # nothing asked again


def test_an_ollama_style_model_name_is_the_model_id(tmp_path):
    with run_in_thread() as server:
        done = run_cli("eval", "--model", "qwen2.5:7b", "--api-url", server.url, *DEMO[1:],
                       "--work-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    run_dir = only_run_dir(tmp_path)
    (model_dir,) = list((run_dir / "predictions").iterdir())
    assert model_dir.name == "qwen2.5_7b"  # file-system-safe
    record = read_jsonl(next(model_dir.iterdir()))[0]
    assert record["model"] == "qwen2.5:7b"
    report = json.loads(next((run_dir / "reports").rglob("*.json")).read_text())
    assert report["model_name"] == "qwen2.5:7b"
