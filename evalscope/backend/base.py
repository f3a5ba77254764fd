"""The contract every evaluation backend follows.

``run_task`` validates a TaskConfig, looks up ``registry.get("backend", task.eval_backend)``,
calls ``backend.validate(task)``, creates the run directory and calls ``backend.run(context)``,
which returns the Reports it produced (already written under ``run_dir.reports``).

External harness backends (RAGEval, VLMEvalKit, OpenCompass, lm-eval) implement the three
steps of ``ExternalBackend``; the shared machinery in ``evalscope.backend`` runs them in-process
or in an isolated virtual environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.display import Display
    from evalscope.report import Report
    from evalscope.run_dir import RunDir


@dataclass
class RunContext:
    """What a backend gets to run one task."""

    task: "TaskConfig"
    """The validated task."""
    run_dir: "RunDir"
    """The run directory (already created)."""
    display: "Display"
    """Progress and result display; backends never print (``task.use_cache`` says whether
    ``run_dir`` is a run being resumed)."""


class Backend:
    """Base of every evaluation backend: ``validate`` the task, then ``run`` it.

    ``run_task`` calls ``validate(task)`` before it creates the run directory, so a mistake costs
    nothing; a backend that does not subclass this may leave ``validate`` out.
    """

    def validate(self, task: "TaskConfig") -> None:
        """Check (and canonicalize, e.g. benchmark names) the task; raise ``ConfigError``. Default: nothing."""
        return None

    def run(self, context: RunContext) -> list["Report"]:
        """Run the task; the reports it produced (already written under ``run_dir.reports``)."""
        raise NotImplementedError


class ExternalBackend(Protocol):
    """A harness behind the three-step contract.

    Optional attribute ``harness``: the harness's distribution name (``lm-eval``, ``ms-opencompass``);
    ``execute`` then stamps every report's ``backend_version`` with it and its installed version.
    """

    name: str

    def translate(self, task: "TaskConfig", run_dir: "RunDir") -> dict[str, Any]:
        """The harness's native config (JSON-serialisable) for ``task``."""
        ...

    def run_native(self, native_config: dict[str, Any], work_dir: Path) -> None:
        """Run the harness on its native config, writing its raw outputs under ``work_dir``."""
        ...

    def to_reports(self, native_config: dict[str, Any], work_dir: Path, model_name: str) -> list["Report"]:
        """Convert the harness's raw outputs into Reports."""
        ...
