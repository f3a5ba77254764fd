"""Checks that every external backend's ``eval_config`` model repeats (pure; used in pydantic validators)."""

from __future__ import annotations

from pathlib import PurePath


def inside_run_dir(value: str, field: str) -> str:
    """``value`` when it is a relative path that stays inside the run directory; else a ValueError naming
    ``field`` (a harness's output folder must not land outside the run, nor over another run)."""
    path = PurePath(value)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{field} must be a relative path inside the run directory (no '..', not absolute)")
    return value
