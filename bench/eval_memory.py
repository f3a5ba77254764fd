"""Peak RSS of ``evalscope eval`` as the number of samples grows (memory should stay flat).

Runs MMLU's test split (57 subjects) against the zero-latency mock server at limits 10, 50 and
all (14,042 questions), and prints samples, wall time and peak RSS of each run.

    .venv/bin/python bench/eval_memory.py [--data /path/to/mmlu] [--batch 64]
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

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mmlu"


def run(url: str, data: Path, limit: str | None, batch: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, "-c",
               "import resource, sys; from evalscope.cli.main import main; rc = main(sys.argv[1:]); "
               "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)",
               "eval", "--model", "mock-model", "--api-url", url, "--datasets", "mmlu",
               "--dataset-args", json.dumps({"mmlu": {"local_path": str(data)}}),
               "--eval-batch-size", str(batch), "--work-dir", work]
        if limit:
            cmd += ["--limit", limit]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        rss_kb = int(done.stderr.rsplit("RSS", 1)[1].split()[0])
        report = next(Path(work).glob("*/reports/*/mmlu.json"))
        n = json.loads(report.read_text())["metrics"][0]["num"]
    return n, wall, rss_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    print(f"{'samples':>8} {'wall s':>8} {'peak RSS MB':>12}")
    with run_in_subprocess(default_reply="ANSWER: A") as server:
        for limit in ("10", "50", None):
            n, wall, rss = run(server.url, args.data, limit, args.batch)
            print(f"{n:>8} {wall:>8.1f} {rss:>12.0f}")


if __name__ == "__main__":
    main()
