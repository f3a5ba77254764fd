"""The Native engine's own overhead: gsm8k's 1,319 test questions against the mock server.

Prints the wall time of ``evalscope eval`` (a subprocess, as a user runs it) against the ideal
``n * latency / eval_batch_size``, its peak RSS, and the start-up time of ``evalscope --help``.
Goal: wall within 1.15x of ideal plus start-up; RSS under 300 MB; --help under 0.5 s.

    .venv/bin/python bench/eval_overhead.py [--data /path/to/gsm8k] [--latency-ms 200] [--batch 64]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.perf.mock_server import run_in_subprocess

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "gsm8k"


def startup_seconds(runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "evalscope", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    n = sum(1 for line in open(args.data / "test.jsonl") if line.strip())

    startup = startup_seconds()
    with run_in_subprocess(latency_ms=args.latency_ms, ttft_ms=args.latency_ms, itl_ms=0,
                           default_reply="The answer is \\boxed{42}.") as server, tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, "-m", "evalscope", "eval", "--model", "mock-model", "--api-url", server.url,
               "--datasets", "gsm8k", "--dataset-args", json.dumps({"gsm8k": {"local_path": str(args.data)}}),
               "--eval-batch-size", str(args.batch), "--work-dir", work,
               "--generation-config", json.dumps({"temperature": 0, "max_tokens": 64, "stream": args.stream})]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wall = time.perf_counter() - t0
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        asked = server.stats()["total_requests"]

    ideal = n * args.latency_ms / 1000 / args.batch
    print(f"gsm8k test questions     : {n} (server asked {asked} times)")
    print(f"latency per request      : {args.latency_ms:.0f} ms, eval_batch_size {args.batch}, stream={args.stream}")
    print(f"ideal (n*latency/batch)  : {ideal:.2f} s")
    print(f"evalscope --help start-up: {startup:.3f} s (median of 7)")
    print(f"wall time of eval        : {wall:.2f} s")
    print(f"wall / (ideal + start-up): {wall / (ideal + startup):.3f}x  (goal <= 1.15)")
    print(f"peak RSS of eval         : {rss_mb:.0f} MB (goal < 300)")


if __name__ == "__main__":
    main()
