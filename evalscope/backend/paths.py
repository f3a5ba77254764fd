"""Paths a user gave, resolved where the user gave them.

An isolated backend job runs with its work dir as the current directory, so a relative path from the
task (``include_path: ./my_tasks``) is resolved against the caller's directory, which the parent passes
as ``EVALSCOPE_CALLER_CWD``; in-process (or without the variable) against the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

CALLER_CWD_ENV = "EVALSCOPE_CALLER_CWD"


def caller_path(value: str | os.PathLike[str]) -> Path:
    """``value`` with ``~`` expanded, made absolute against the caller's working directory."""
    path = Path(os.path.expanduser(os.fspath(value)))
    if not path.is_absolute():
        path = Path(os.environ.get(CALLER_CWD_ENV) or os.getcwd()) / path
    return path.resolve()
