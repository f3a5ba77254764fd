"""Checks of what perf puts on the wire or on disk from user input: header fields and folder names (pure)."""

from __future__ import annotations

import re

# RFC 9110 5.1: a field name is a token
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = ("\r", "\n", "\0")


def header_problem(name: str, value: str) -> str | None:
    """Why ``name: value`` cannot be sent as one HTTP/1.1 header field, or ``None`` when it can.

    CR, LF and NUL would end the field (a header injection); a name must be a token; a value must be
    Latin-1 (the bytes HTTP/1.1 carries; non-Latin-1 text needs the server's own encoding, e.g. percent-encoding)."""
    if any(c in name for c in _CONTROL) or any(c in value for c in _CONTROL):
        return f"header {name!r} contains CR, LF or NUL (a header injection); remove them"
    if not _TOKEN.fullmatch(name):
        return f"header name {name!r} is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~; no spaces or ':')"
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return f"header {name!r}: its value {value!r} is not Latin-1 text, which HTTP/1.1 headers cannot carry"
    return None


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
