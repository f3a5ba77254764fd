"""HumanEval through the sandbox: 164 problems x 10 samples, end to end with ``evalscope eval``.

Source: github.com/openai/human-eval ``data/HumanEval.jsonl.gz`` (the shared copy). The mock server answers each
prompt with its canonical solution in a fenced block, so every one of the 1,640 programs must pass: the official
number for the canonical solutions is pass@1 = 1.0 (the harness's README), and this run prints it with pass@10.
Prints samples/s through the sandbox (the scoring span: from the run's start, the model answers at 0 ms), the
run's wall time, and peak RSS of the ``evalscope`` process (RUSAGE_CHILDREN: the largest process it waited for).

    .venv/bin/python bench/sandbox_humaneval.py [--repeats 10] [--batch 32]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.benchmarks.humaneval import PROMPT
from evalscope.perf.mock_server import run_in_subprocess

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "humaneval" / "HumanEval.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    rows = [json.loads(line) for line in gzip.open(args.data, "rt", encoding="utf-8")]
    script = [{"exact": PROMPT.format(query=r["prompt"]), "reply": f"```python\n{r['canonical_solution']}```"}
              for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        script_file = Path(tmp) / "script.json"
        script_file.write_text(json.dumps(script), encoding="utf-8")
        with run_in_subprocess(script=str(script_file)) as server:
            cmd = [sys.executable, "-m", "evalscope", "eval", "--model", "m", "--api-url", server.root + "/v1",
                   "--datasets", "humaneval", "--dataset-args", json.dumps({"humaneval": {"local_path": str(args.data)}}),
                   "--repeats", str(args.repeats), "--eval-batch-size", str(args.batch), "--work-dir", tmp,
                   "--no-timestamp"]
            started = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"evalscope eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
        report = json.loads((Path(tmp) / "reports" / "m" / "humaneval.json").read_text())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    n = len(rows) * args.repeats
    metrics = {m["name"]: m["score"] for m in report.get("metrics", [])}
    print(json.dumps({"problems": len(rows), "samples": n, "cpus": len(os.sched_getaffinity(0)),
                      "wall_s": round(wall, 2), "samples_per_s": round(n / wall, 1), "peak_rss_mb": round(peak, 1),
                      "metrics": metrics or report}, indent=1)[:3000])


if __name__ == "__main__":
    main()
