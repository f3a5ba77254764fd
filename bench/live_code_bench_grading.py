"""LiveCodeBench grading through the sandbox: answers/s and tests/s on LiveCodeBench-shaped problems.

No LiveCodeBench data is shared here, so the problems are synthetic but shaped like the real ones: stdin problems
with ``--tests`` tests of ``--numbers`` integers each (the sum of a list), half with a LeetCode-style functional
twin, the private tests in the hub's base64/zlib/pickle encoding. Every answer is a correct solution, so every
verdict must be a pass (the script fails otherwise). Prints answers/s, tests/s, the mean seconds per answer and
the parent's peak RSS (and what it was before grading: the generated problems); the sandbox runs at most one program per CPU.

    .venv/bin/python bench/live_code_bench_grading.py [--problems 40] [--repeats 2] [--tests 20] [--numbers 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import pickle
import random
import resource
import time
import zlib

from evalscope.api import Answer, Sample
from evalscope.benchmarks.live_code_bench.scorer import LiveCodeScorer

STDIN = "import sys\ndata = sys.stdin.buffer.read().split()\nprint(sum(map(int, data[1:])))"
FUNCTIONAL = "class Solution:\n    def total(self, nums: List[int]) -> int:\n        return sum(nums)"


def problem(i: int, tests: int, numbers: int) -> tuple[Sample, str]:
    rng = random.Random(i)
    functional = i % 2 == 1
    cases = []
    for _ in range(tests):
        nums = [rng.randint(-10**9, 10**9) for _ in range(numbers)]
        if functional:
            cases.append({"input": json.dumps(nums), "output": json.dumps(sum(nums)), "testtype": "functional"})
        else:
            cases.append({"input": f"{numbers}\n{' '.join(map(str, nums))}\n", "output": f"{sum(nums)}\n",
                          "testtype": "stdin"})
    private = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases[1:])))).decode()
    meta = json.dumps({"func_name": "total"} if functional else {})
    sample = Sample(id=str(i), input="q", target="", metadata={
        "starter_code": "", "public_test_cases": json.dumps(cases[:1]), "private_test_cases": private,
        "lcb_metadata": meta})
    return sample, FUNCTIONAL if functional else STDIN


async def grade_all(items, repeats: int) -> list:
    scorer = LiveCodeScorer(timeout=6)
    jobs = [scorer.score(s, [Answer(repeat=r, text=c, extracted=c) for r in range(repeats)]) for s, c in items]
    return [score for scores in await asyncio.gather(*jobs) for score in scores]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--tests", type=int, default=20)
    parser.add_argument("--numbers", type=int, default=100_000)
    args = parser.parse_args()
    items = [problem(i, args.tests, args.numbers) for i in range(args.problems)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    scores = asyncio.run(grade_all(items, args.repeats))
    wall = time.perf_counter() - started
    failed = [s.metadata for s in scores if s.value["acc"] != 1.0]
    if failed:
        raise SystemExit(f"{len(failed)} correct answers did not pass: {failed[0]}")
    answers = len(scores)
    per_answer = sum(s.metadata["sandbox"]["duration"] for s in scores) / answers
    print(f"problems {args.problems} x repeats {args.repeats} = {answers} answers, {args.tests} tests of "
          f"{args.numbers} numbers each, {len(os.sched_getaffinity(0))} CPUs")
    print(f"wall {wall:.1f} s   answers/s {answers / wall:.2f}   tests/s {answers * args.tests / wall:.1f}   "
          f"mean sandbox seconds per answer {per_answer:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (parent) {peak:.0f} MiB, of which {before:.0f} MiB before grading (the generated problems)")


if __name__ == "__main__":
    main()
