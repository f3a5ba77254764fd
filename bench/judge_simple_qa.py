"""The LLM judge's cost: 2,000 SimpleQA-format samples against the mock server at 200 ms per request.

Source of the format: github.com/openai/simple-evals ``simple_qa_eval.py`` (columns ``problem, answer``); the
questions here are generated (``Question i``) since only the run's timing is measured, not a model's score
(official numbers, for a real model: the SimpleQA paper, e.g. GPT-4o 38.2% correct). The same server, at 200 ms
per request, is the model and the judge. Two runs of ``evalscope eval`` with ``--eval-batch-size 64``:
``judge_strategy rule`` (no judge) and ``llm`` with ``judge_worker_num 64``. The judge "adds no more than its own
requests' time" when ``wall(llm) - wall(rule) <= n * latency / judge_worker_num`` (its requests back to back at
full concurrency); it is less when judging overlaps generation, as it should.

    .venv/bin/python bench/judge_simple_qa.py [--samples 2000] [--latency-ms 200] [--batch 64] [--workers 64]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.perf.mock_server import run_in_subprocess


def run(url: str, data: Path, work: Path, batch: int, strategy: str, workers: int) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "evalscope", "eval", "--model", "m", "--api-url", url, "--datasets", "simple_qa",
           "--dataset-args", json.dumps({"simple_qa": {"local_path": str(data)}}), "--eval-batch-size", str(batch),
           "--work-dir", str(work), "--no-timestamp", "--judge-strategy", strategy]
    if strategy != "rule":
        cmd += ["--judge-model-args", json.dumps({"model": "judge", "api_url": url}),
                "--judge-worker-num", str(workers)]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"evalscope eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads((work / "reports" / "m" / "simple_qa.json").read_text())
    return wall, {m["name"]: m["score"] for m in report.get("metrics", [])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "test.jsonl"
        data.write_text("".join(json.dumps({"problem": f"Question {i}: what is item {i}?", "answer": f"Answer {i}"})
                                + "\n" for i in range(args.samples)), encoding="utf-8")
        script = [{"contains": "Gold target:", "reply": "A"}]
        with run_in_subprocess(latency_ms=args.latency_ms, script=script) as server:
            url = server.root + "/v1"
            rule_wall, rule_metrics = run(url, data, Path(tmp) / "rule", args.batch, "rule", args.workers)
            llm_wall, llm_metrics = run(url, data, Path(tmp) / "llm", args.batch, "llm", args.workers)
            cache = (Path(tmp) / "llm" / "judge" / "simple_qa.jsonl").read_text().splitlines()
    own = args.samples * args.latency_ms / 1000 / args.workers
    added = llm_wall - rule_wall
    print(json.dumps({"samples": args.samples, "latency_ms": args.latency_ms, "batch": args.batch,
                      "judge_workers": args.workers, "ideal_model_s": round(args.samples * args.latency_ms / 1000
                                                                          / args.batch, 2),
                      "wall_rule_s": round(rule_wall, 2), "wall_llm_s": round(llm_wall, 2),
                      "judge_added_s": round(added, 2), "judge_own_requests_s": round(own, 2),
                      "within_own_time": added <= own, "judge_replies_cached": len(cache),
                      "rule_metrics": rule_metrics, "llm_metrics": llm_metrics}, indent=1))


if __name__ == "__main__":
    main()
