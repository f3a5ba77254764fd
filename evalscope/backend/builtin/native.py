"""The Native backend: the project's own engine over the built-in benchmarks."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from evalscope.backend.base import Backend
from evalscope.errors import ConfigError, RunFailed
from evalscope.registry import register
from evalscope.report.io import write_report
from evalscope.version import __version__

if TYPE_CHECKING:
    from evalscope.backend.base import RunContext
    from evalscope.config import TaskConfig
    from evalscope.report import Report

logger = logging.getLogger(__name__)


@register("backend", "Native")
class NativeBackend(Backend):
    """Runs each benchmark of the task in turn; stops after a benchmark with errors unless
    ``ignore_errors``."""

    def validate(self, task: "TaskConfig") -> None:
        """Benchmark names and the model type against the registry, set to their canonical names."""
        from evalscope.benchmarks import canonicalize_names
        from evalscope.models.factory import check_model_type

        if not task.datasets:
            raise ConfigError("no datasets given: pass --datasets (see `evalscope list benchmarks`)")
        canonicalize_names(task)
        check_model_type(task)

    def run(self, context: "RunContext") -> list["Report"]:
        return asyncio.run(self._run(context))

    async def _run(self, context: "RunContext") -> list["Report"]:
        from evalscope.api.model import aclose
        from evalscope.benchmarks import get_benchmark
        from evalscope.models.factory import build_model
        from evalscope.native.engine import BenchmarkRun

        task = context.task
        if not task.datasets:
            raise ConfigError("no datasets given: pass --datasets (see `evalscope list benchmarks`)")
        benchmarks = [get_benchmark(name, task) for name in task.datasets]
        model = build_model(task, context.run_dir)
        reports = []
        try:
            for benchmark in benchmarks:
                run = BenchmarkRun(benchmark, task, model, context.run_dir, context.display)
                report = (await run.run()).model_copy(update={"backend_version": f"evalscope {__version__}"})
                path = write_report(context.run_dir.reports, report)
                logger.info("%s: report written to %s", benchmark.name, path)
                reports.append(report)
                if run.tally.errored and not task.ignore_errors:
                    raise RunFailed(
                        f"{benchmark.name}: {run.tally.errored} sample(s) failed; first: {run.first_error}. "
                        f"Everything finished so far is kept in {context.run_dir.root}. Fix the cause and resume "
                        f"with --use-cache {context.run_dir.root}, or pass --ignore-errors to count failures "
                        "as errored and go on."
                    )
        finally:
            await aclose(model)
        return reports
