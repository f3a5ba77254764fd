"""Paths scoped to the store's roots: nothing outside them is ever read (no ``..``, no symlink escape)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional


class OutsideRoots(ValueError):
    """A path that does not resolve inside any of the roots."""


def resolve_roots(roots: Iterable[str | os.PathLike]) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        path = Path(root).expanduser().resolve()
        if path not in out:
            out.append(path)
    return out


def inside(path: Path, roots: Iterable[Path]) -> Optional[Path]:
    """``path`` fully resolved (symlinks followed) when it lies under one of ``roots``, else ``None``."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    for root in roots:
        if real == root or real.is_relative_to(root):
            return real
    return None


def scoped(roots: list[Path], root_index: int, relative: str) -> Path:
    """``roots[root_index] / relative``, refused (``OutsideRoots``) if it leaves the roots or does not exist."""
    if not 0 <= root_index < len(roots):
        raise OutsideRoots(f"no root {root_index}")
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or "\0" in relative:
        raise OutsideRoots(f"{relative!r}: not a relative path inside the root")
    real = inside(roots[root_index] / rel, roots)
    if real is None:
        raise OutsideRoots(f"{relative!r}: not found inside the served roots")
    return real
