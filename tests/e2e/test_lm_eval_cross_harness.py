"""One report table across harnesses: ``run_task`` given a list of tasks shows ONE table, a row per report,
each saying which backend (and which version of its harness) produced it.

The Native-only case runs everywhere; Native + lm-eval on the same local ARC-Challenge rows needs the
environment of ``evalscope backend install lm-eval`` (skipped with the reason when it is absent).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

ARC = Path(os.environ.get("EVALSCOPE_SHARED_DATASETS", "/work/shared/datasets")) / "arc"


def _calculator():
    from evalscope.benchmarks.demo_arith import demo_rows
    from evalscope.models import ModelOutput

    answers = {r["question"]: r["answer"] for r in demo_rows()}

    class Calculator:
        model_name = "calc"

        async def generate(self, messages, config):
            return ModelOutput(content=answers[messages[-1].content.split("\n")[0]])

    return Calculator()


def test_a_list_of_tasks_prints_one_table(tmp_path):
    from evalscope import TaskConfig, run_task
    from evalscope.display import TerminalDisplay

    out, err = io.StringIO(), io.StringIO()
    tasks = [TaskConfig(model=_calculator(), datasets=["demo_arith"], work_dir=str(tmp_path / "a"), limit=4),
             {"datasets": ["demo_arith"], "work_dir": str(tmp_path / "b"), "limit": 4}]
    results = run_task(tasks, display=TerminalDisplay(out=out, err=err))
    assert [r["demo_arith"].score for r in results] == [1.0, 0.0]
    table = out.getvalue()
    assert table.count("| Model ") == 1  # one header: one table
    assert "| calc " in table and "| mock" in table
    assert "Backend" not in table  # Native only: EvalScope's columns


def test_a_bad_last_task_fails_before_the_first_runs(tmp_path):
    from evalscope import run_task
    from evalscope.errors import ConfigError

    with pytest.raises(ConfigError, match="no_such_benchmark"):
        run_task([{"datasets": ["demo_arith"], "work_dir": str(tmp_path), "limit": 2},
                  {"datasets": ["no_such_benchmark"], "work_dir": str(tmp_path)}])
    assert not list(tmp_path.rglob("reports/*/*.json"))
