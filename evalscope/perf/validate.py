"""Checks of what perf puts on the wire or on disk from user input: header fields and folder names (pure)."""

from __future__ import annotations

from evalscope.wire.http1 import header_problem  # noqa: F401  (perf's checks of user input use it)


def name_problem(name: str) -> str | None:
    """Why ``name`` is not one folder name (``--name``), or ``None`` when it is."""
    if not name.strip():
        return "--name is blank"
    if name.strip() in (".", "..") or any(c in name for c in ("/", "\\", "\0")):
        return f"--name {name!r} must be one folder name (no '/', '\\', '.' or '..'): it is created inside --outputs-dir"
    return None


def model_folder(model: str) -> str:
    """The output folder named after ``model``: its last path part (EvalScope's), never ``.`` or ``..``."""
    model = model.rstrip("/")
    last = model.rsplit("/", 1)[-1]
    if last.strip() in ("", ".", ".."):
        last = model.replace("/", "_").replace("\\", "_").strip("_.") or "perf"
    return last
