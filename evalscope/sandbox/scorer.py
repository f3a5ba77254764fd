"""``ExecutionScorer``: scores code answers by running them (with their tests) in the sandbox.

``acc`` is 1.0 when the program exits 0 within the limits and 0.0 otherwise; the review records how it ended
(status, exit code, seconds, the tail of stderr). A program the sandbox itself could not run is an error of that
sample's review, never a wrong answer.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Optional

from evalscope.api import Answer, Sample, Score, ScoringContext
from evalscope.sandbox.local import LocalSandbox, SandboxLimits

ProgramBuilder = Callable[[Sample, str], str]
"""(sample, extracted code) -> the program to run (the code followed by the benchmark's tests)."""


class SandboxError(RuntimeError):
    """The sandbox could not run a program (not the program's failure)."""


class ExecutionScorer:
    """Runs each answer's program in a ``LocalSandbox``; emits ``metric`` (1.0 pass / 0.0 fail)."""

    def __init__(self, build_program: ProgramBuilder, limits: Optional[SandboxLimits] = None,
                 metric: str = "acc") -> None:
        self.build_program = build_program
        self.limits = limits or SandboxLimits()
        self.metric = metric
        self.metrics = (metric,)
        self.mode = "local"
        self._sandbox: Optional[LocalSandbox] = None

    def bind(self, context: ScoringContext) -> None:
        self.mode = getattr(context.task, "sandbox", None) or "local"
        self.sandbox()  # fails now (before any request) where the machine cannot isolate programs

    def sandbox(self) -> LocalSandbox:
        if self._sandbox is None:
            self._sandbox = LocalSandbox(mode=self.mode, limits=self.limits)  # type: ignore[arg-type]
        return self._sandbox

    async def score(self, sample: Sample, answers: list[Answer]) -> list[Score]:
        sandbox = self.sandbox()
        results = await asyncio.gather(*(sandbox.run(self.build_program(sample, a.extracted)) for a in answers))
        scores = []
        for answer, result in zip(answers, results):
            if result.status == "sandbox_error":
                raise SandboxError(result.stderr.strip()[-500:])
            explanation = None if result.passed else f"{result.status} (exit {result.returncode}): " + (
                result.stderr.strip()[-800:] or result.stdout.strip()[-200:])
            scores.append(Score(value={self.metric: 1.0 if result.passed else 0.0}, answer=answer.extracted,
                                explanation=explanation,
                                metadata={"sandbox": {"status": result.status, "returncode": result.returncode,
                                                      "duration": result.duration, "mode": self.mode}}))
        return scores
