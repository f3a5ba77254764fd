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


def _installed(env: str) -> bool:
    from evalscope.backend import envs

    return envs.is_installed(env)


@pytest.mark.timeout(1800)
@pytest.mark.skipif(not _installed("lm_eval"), reason="no lm-eval environment: run `evalscope backend install "
                    "lm-eval` (EVALSCOPE_BACKENDS_DIR to place it)")
@pytest.mark.skipif(not ARC.exists(), reason=f"no shared ARC data at {ARC}")
def test_native_opencompass_and_lm_eval_on_the_same_arc_rows_one_table(tmp_path, monkeypatch):
    """run_task given the three tasks (the same 8 ARC-Challenge Dev rows, the same scripted answers: 6 right)
    prints one table with a row per harness; each report says its backend and its harness version.
    OpenCompass joins when its environment is installed."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from cross_harness_arc import key_letter, prepare, replies, task_configs

    from evalscope import run_task
    from evalscope.display import TerminalDisplay
    from evalscope.perf.mock_server import run_in_thread

    monkeypatch.setenv("EVALSCOPE_BACKEND_RUNNER", "isolated")
    harnesses = ("native", "opencompass", "lm-eval") if _installed("opencompass") else ("native", "lm-eval")
    rows = prepare(tmp_path / "data", 8)
    answers = replies(rows)
    assert sum(a == key_letter(r) for r, a in zip(rows, answers)) == 6
    out, err = io.StringIO(), io.StringIO()
    with run_in_thread(script=[{"contains": r["question"]["stem"], "reply": a} for r, a in zip(rows, answers)]) as s:
        tasks = task_configs(tmp_path / "data", s.url, 8, 4, tmp_path / "runs", harnesses)
        results = run_task(tasks, display=TerminalDisplay(out=out, err=err))
        sent = s.stats()["total_requests"]
    reports = [next(iter(r.values())) for r in results]
    assert [r.backend for r in reports] == [{"native": "Native", "opencompass": "OpenCompass",
                                             "lm-eval": "lm-eval"}[h] for h in harnesses]
    assert [r.score for r in reports] == [pytest.approx(0.75)] * len(harnesses)
    assert [r.num for r in reports] == [8] * len(harnesses)
    assert sent == 8 * len(harnesses)
    versions = {r.backend: r.backend_version for r in reports}
    assert versions["Native"].startswith("evalscope ") and versions["lm-eval"] == "lm-eval 0.4.13"
    table = out.getvalue()
    assert table.count("| Backend ") == 1  # ONE table
    body = [line for line in table.splitlines() if line.startswith("| ") and "Backend" not in line]
    assert len(body) == len(harnesses)
    assert body[0].startswith("| Native (evalscope ") and "| arc " in body[0] and "| 0.7500 |" in body[0]
    assert body[-1].startswith("| lm-eval 0.4.13 ") and "| arc_c_local " in body[-1] and "| 0.7500 |" in body[-1]
    if "opencompass" in harnesses:
        assert body[1].startswith("| OpenCompass") and "| ARC_c " in body[1] and "| 0.7500 |" in body[1]
