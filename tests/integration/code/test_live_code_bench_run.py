"""live_code_bench in a real run: the model is the project's mock server on loopback, the answers' code runs in the
sandbox, repeats give pass@k in the report, and a date window leaves problems out before any request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.perf.mock_server import run_in_thread
from evalscope.run import run_task
from evalscope.sandbox import isolation

pytestmark = pytest.mark.skipif(isolation() is None, reason="this machine cannot make network/PID/mount namespaces")
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks" / "live_code_bench"
CARDS = ("```python\nfor _ in range(int(input())):\n    s = input().strip()\n"
         "    print('YES' if sum(a != b for a, b in zip(s, 'abc')) in (0, 2) else 'NO')\n```")
LEET = "```python\nclass Solution:\n    def theMaximumAchievableX(self, num: int, t: int) -> int:\n        return num + t\n```"


def task(work: Path, url: str, **extra) -> dict:
    return {"model": "m", "api_url": url, "datasets": ["live_code_bench"], "work_dir": str(work),
            "no_timestamp": True, "generation_config": {"retries": 0}, "repeats": 2,
            "dataset_args": {"live_code_bench": {"local_path": str(FIXTURE), **extra}}}


def test_run_scores_in_the_sandbox_with_pass_at_k(tmp_path):
    script = [{"contains": "three cards", "reply": CARDS}, {"contains": "achievable", "reply": LEET}]
    with run_in_thread(script=script) as model:
        run_task(task(tmp_path, model.url))
        assert model.stats()["total_requests"] == 4  # 2 problems x 2 repeats
    reviews = [json.loads(line) for line in
               (tmp_path / "reviews" / "m" / "live_code_bench_release_latest.jsonl").read_text().splitlines()]
    by_id = {(r["sample_id"], r["repeat"]): r for r in reviews}
    cards = by_id[("1873_A", 0)]
    assert cards["score"] == {"acc": 1.0} and cards["score_metadata"]["live_code_bench"]["results"] == [True] * 4
    leet = by_id[("2812", 1)]["score_metadata"]["live_code_bench"]
    assert leet["error_code"] == -2 and leet["expected"] == "6" and leet["output"] == "5"
    report = json.loads((tmp_path / "reports" / "m" / "live_code_bench.json").read_text())
    scores = {m["name"]: m["score"] for m in report["metrics"]}
    assert scores["mean_acc"] == 0.5 and scores["mean_acc_pass@1"] == 0.5 and scores["mean_acc_pass@2"] == 0.5


def test_date_window_leaves_problems_out_before_asking(tmp_path):
    with run_in_thread(script=[{"contains": "three cards", "reply": CARDS}]) as model:
        run_task(task(tmp_path, model.url, extra_params={"start_date": "2023-08-01"}))
        prompts = model.stats()["prompts"]
    assert len(prompts) == 1 and "three cards" in next(iter(prompts))
