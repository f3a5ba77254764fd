"""The child side of an isolated backend run: ``python -m evalscope.backend.job JOB_FILE``.

Runs inside the plugin's own environment: reads the job, restores the secrets from stdin
(``--secrets-stdin``), rebuilds the TaskConfig, runs ``evalscope.backend.external.execute`` and writes
``result.json`` (status, report paths or the error). Logs go to stderr, which the parent
streams into the run's ``logs/``.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2) or (len(args) == 2 and args[1] != "--secrets-stdin"):
        print("usage: python -m evalscope.backend.job JOB_FILE [--secrets-stdin]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
