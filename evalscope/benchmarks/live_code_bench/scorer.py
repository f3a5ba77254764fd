"""``LiveCodeScorer``: runs each answer's code against the problem's tests with ``_grader`` inside the sandbox.

One sandboxed program per answer: the grader's source and the job (code, tests, per-test timeout). The program's
limits follow the tests: wall clock and CPU ``(timeout + 1) x tests`` (LiveCodeBench's global timeout) plus start-up,
2 GiB of address space, files and private /tmp big enough for the largest test. ``acc`` is 1.0 when every test
passes. The review keeps how it went (``live_code_bench``: passed, tests, the result per test run, the first
failure's code/message/input/expected/output, seconds; ``sandbox``: status, exit code, duration). An answer without
a code block scores 0 without running; test cases that cannot be read, or a sandbox that cannot run, make the
review errored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from evalscope.api import Answer, Sample, Score, ScoringContext
from evalscope.benchmarks.live_code_bench import _grader
from evalscope.benchmarks.live_code_bench.data import tests_of
from evalscope.sandbox.local import ExecResult, LocalSandbox, SandboxLimits
from evalscope.sandbox.scorer import SandboxError

logger = logging.getLogger(__name__)
MIB = 1 << 20


@lru_cache(maxsize=1)
def grader_source() -> str:
    return Path(_grader.__file__).read_text(encoding="utf-8")


def build_program(code: str, tests: dict[str, Any], timeout: float) -> str:
    job = {"code": code, "inputs": tests["inputs"], "outputs": tests["outputs"], "fn_name": tests["fn_name"],
           "timeout": timeout}
    return f"{grader_source()}\n\nmain({json.dumps(job)!r})\n"


def limits_for(tests: dict[str, Any], timeout: float, program: str) -> SandboxLimits:
    seconds = (timeout + 1) * max(1, len(tests["inputs"])) + 10
    largest = max((len(t) for t in (*tests["inputs"], *tests["outputs"])), default=0)
    file_bytes = max(16 * MIB, 4 * largest + MIB)
    return SandboxLimits(timeout=seconds, cpu_seconds=math.ceil(seconds), memory_bytes=2 << 30,
                         file_bytes=file_bytes, tmp_bytes=max(64 * MIB, 2 * len(program) + 3 * file_bytes))


def read_verdict(result: ExecResult) -> Optional[dict[str, Any]]:
    """The grader's verdict line, if it got to write one."""
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(_grader.MARK):
            try:
                verdict = json.loads(line[len(_grader.MARK):])
            except ValueError:
                return None
            return verdict if isinstance(verdict, dict) else None
    return None


class LiveCodeScorer:
    """Scores LiveCodeBench answers by running their code on every test in the sandbox; emits ``acc``."""

    metrics = ("acc",)

    def __init__(self, timeout: float = 6.0, debug: bool = False) -> None:
        self.timeout = float(timeout)
        self.debug = debug
        self.mode = "local"
        self._sandboxes: dict[SandboxLimits, LocalSandbox] = {}
        self._slots: Optional[tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = None
        self.identity = {"timeout": self.timeout}

    def bind(self, context: ScoringContext) -> None:
        self.mode = getattr(context.task, "sandbox", None) or "local"
        LocalSandbox(mode=self.mode)  # type: ignore[arg-type]  # fails now where programs cannot be isolated

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(max(1, len(os.sched_getaffinity(0)))))
        return self._slots[1]

    def sandbox(self, limits: SandboxLimits) -> LocalSandbox:
        if limits not in self._sandboxes:
            self._sandboxes[limits] = LocalSandbox(mode=self.mode, limits=limits)  # type: ignore[arg-type]
        return self._sandboxes[limits]

    async def score(self, sample: Sample, answers: list[Answer]) -> list[Score]:
        meta = sample.metadata  # decoding and building programs of megabytes of tests: off the event loop
        tests = await asyncio.to_thread(tests_of, meta["public_test_cases"], meta["private_test_cases"],
                                        meta["lcb_metadata"])
        return list(await asyncio.gather(*(self._one(sample, tests, a) for a in answers)))

    async def _one(self, sample: Sample, tests: dict[str, Any], answer: Answer) -> Score:
        code = answer.extracted
        if not code.strip():
            return Score(value={"acc": 0.0}, answer=code, explanation="no code block in the answer",
                         metadata={"live_code_bench": {"passed": False, "tests": len(tests["inputs"]), "ran": False}})
        async with self._slot():  # a program (megabytes of tests) is built only when a CPU is free to run it
            program = await asyncio.to_thread(build_program, code, tests, self.timeout)
            result = await self.sandbox(limits_for(tests, self.timeout, program)).run(program)
            del program
        if result.status == "sandbox_error":
            raise SandboxError(result.stderr.strip()[-500:])
        verdict = read_verdict(result)
        sandbox = {"status": result.status, "returncode": result.returncode, "duration": result.duration,
                   "mode": self.mode}
        if verdict is None:  # killed at the wall clock, or the program took the grader down with it
            why = "time limit (the whole run)" if result.status == "timeout" else f"the grader did not finish " \
                  f"(exit {result.returncode}): {result.stderr.strip()[-300:]}"
            verdict = {"passed": False, "error_message": why}
        verdict["results"] = (verdict.get("results") or [])[:100]
        passed = bool(verdict.get("passed"))
        record = {"tests": len(tests["inputs"]), "fn_name": tests["fn_name"], **verdict}
        if self.debug:
            logger.info("live_code_bench %s: %s", sample.id, record)
        explanation = None if passed else f"{verdict.get('error_message', 'failed')} " \
            f"(test {len(verdict['results'])} of {len(tests['inputs'])})"
        return Score(value={"acc": 1.0 if passed else 0.0}, answer=code, explanation=explanation,
                     metadata={"live_code_bench": record, "sandbox": sandbox})
