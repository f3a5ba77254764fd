"""The child side of an isolated backend run: ``python -m evalscope.backend.job JOB_FILE``.

Runs inside the plugin's own environment: reads the job, restores the secrets from stdin
(``--secrets-stdin``), rebuilds the TaskConfig, runs ``evalscope.backend.external.execute`` and writes
``result.json`` (status, report paths or the error). Logs go to stderr, which the parent
streams into the run's ``logs/``. The job runs in a session of its own (so that the parent can stop
its whole process group); when the parent dies without stopping it, the job stops itself.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

logger = logging.getLogger(__name__)


def watch_parent(parent_pid: int, interval: float = 1.0, grace: float = 5.0) -> threading.Thread:
    """Stop this process group when ``parent_pid`` is no longer our parent (it died and we were
    re-parented): SIGTERM to the group, SIGKILL after ``grace`` seconds. A daemon thread."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        logger.error("the evalscope process that started this job (pid %d) is gone; stopping the job", parent_pid)
        group = os.getpgrp()
        os.killpg(group, signal.SIGTERM)
        time.sleep(grace)
        os.killpg(group, signal.SIGKILL)

    thread = threading.Thread(target=watch, name="evalscope-watch-parent", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or (len(args) == 2 and args[1] != "--secrets-stdin"):
        print("usage: python -m evalscope.backend.job JOB_FILE [--secrets-stdin]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if os.getpgrp() == os.getpid():  # our own session (run_isolated): nobody else stops the group
        watch_parent(os.getppid())
    from evalscope.backend.external import ExternalSpec, execute
    from evalscope.backend.isolated import Job, JobResult, restore_secrets
    from evalscope.config import TaskConfig
    from evalscope.errors import UsageError
    from evalscope.report.io import report_path
    from evalscope.run_dir import RunDir
    from evalscope.secrets import MASK

    job = Job.model_validate_json(Path(args[0]).read_text(encoding="utf-8"))
    result_path = Path(job.result_file)
    secrets = json.loads(sys.stdin.read() or "[]") if len(args) == 2 else []
    data = restore_secrets(job.task, secrets)
    if data.get("api_key") == MASK:
        data["api_key"] = None  # a masked key is not a key (run without --secrets-stdin)
    try:
        task = TaskConfig.model_validate(data)
        spec = ExternalSpec(name=job.backend, env="", distribution="", entry=job.entry, source="")
        run_dir = RunDir(Path(job.run_dir))
        reports = execute(spec.load(), task, run_dir, job.backend)
        paths = [str(report_path(run_dir.reports, r).resolve()) for r in reports]
        result = JobResult(status="ok", reports=paths)
    except Exception as exc:  # every failure becomes a result the parent reads
        traceback.print_exc()
        result = JobResult(status="error", error=str(exc), error_type=type(exc).__name__,
                           usage_error=isinstance(exc, UsageError))
    result_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
