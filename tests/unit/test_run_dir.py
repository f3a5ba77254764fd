"""RunDir file names and lock; the resume check of a saved task config (evalscope.run)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalscope.config import load_task
from evalscope.errors import ConfigError, UsageError
from evalscope.run import check_resumable, write_task_config
from evalscope.run_dir import RunDir, file_part


def test_file_names_are_injective_and_keep_safe_names():
    assert file_part("main") == "main" and file_part("high_school_biology") == "high_school_biology"
    names = ["a b", "a_b", "a/b", "a:b", "..a", "a"]
    parts = [file_part(n) for n in names]
    assert len(set(parts)) == len(parts), parts
    assert parts[1] == "a_b" and parts[0].startswith("a_b-")
    run = RunDir(Path("/r"))
    assert run.prediction_file("m", "general_qa", "a b") != run.prediction_file("m", "general_qa", "a_b")


def test_the_lock_is_exclusive_and_names_its_holder(tmp_path):
    import os

    run = RunDir(tmp_path / "run")
    with run.lock():
        with pytest.raises(UsageError, match=rf"in use by another evalscope run \(pid {os.getpid()}\)"):
            with RunDir(tmp_path / "run").lock():
                pass
    with run.lock():  # released
        pass


TASK = {"datasets": ["demo_arith"], "generation_config": {"temperature": 0, "extra_body": {"user": "SECRET-1"}}}


def test_masked_values_compare_through_the_stamp(tmp_path):
    run = RunDir(tmp_path)
    write_task_config(load_task(TASK), run)
    assert "SECRET-1" not in run.task_config.read_text()
    check_resumable(load_task(TASK), run)  # the same task resumes
    other = {**TASK, "generation_config": {"temperature": 0, "extra_body": {"user": "SECRET-2"}}}
    with pytest.raises(ConfigError, match="a masked value") as err:
        check_resumable(load_task(other), run)
    assert "SECRET" not in str(err.value)


def test_a_config_saved_before_stamps_compares_its_clear_values(tmp_path):
    run = RunDir(tmp_path)
    run.configs.mkdir()
    run.task_config.write_text(yaml.safe_dump(load_task(TASK).to_plain_dict() | {"api_key": None}))
    check_resumable(load_task(TASK), run)
    other = {**TASK, "generation_config": {"temperature": 0, "extra_body": {"user": "SECRET-2"}}}
    with pytest.raises(ConfigError, match="different config"):
        check_resumable(load_task(other), run)


def test_a_visible_difference_is_listed(tmp_path):
    run = RunDir(tmp_path)
    write_task_config(load_task(TASK), run)
    with pytest.raises(ConfigError, match="generation_config: cached .*'temperature': 0.*now .*'temperature': 0.5"):
        check_resumable(load_task({**TASK, "generation_config": {"temperature": 0.5,
                                                                  "extra_body": {"user": "SECRET-1"}}}), run)
