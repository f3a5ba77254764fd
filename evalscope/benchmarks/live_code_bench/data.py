"""LiveCodeBench's data: release versions, contest-date filtering, and the test cases (the private ones decoded
without trusting the pickle they come in).

The hub's private test cases are ``base64(zlib(pickle(json string)))``. Unpickling data from a download can run
any code (a pickle may call any importable function), so they are read by ``PlainUnpickler``, which refuses every
global: a pickle that names a function or a class, the only way a pickle runs code, fails before anything runs;
plain strings, numbers, lists and dicts load as usual. Decompression is bounded (``MAX_TESTS_BYTES``).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import re
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

VERSIONS = ("v1", "v2", "v3", "v4", "v5", "v6")
"""The releases; ``release_vN`` is v1..vN, ``vX_vY`` is vX..vY, ``release_latest`` all of them."""
VERSION_FILES = {"v1": "test.jsonl", **{f"v{i}": f"test{i}.jsonl" for i in range(2, 7)}}
"""The file of each release's new problems in the official repo (HF ``livecodebench/code_generation_lite``)."""
SUBSETS = ("release_latest", *(f"release_{v}" for v in VERSIONS),
           *(f"{a}_{b}" if a != b else a for i, a in enumerate(VERSIONS) for b in VERSIONS[i:]))
MAX_TESTS_BYTES = 1 << 30
"""Largest decompressed private test set of one problem."""


class TestCaseError(ValueError):
    """Test cases that cannot be read (bad encoding, a pickle that is not plain data, too large)."""


def versions_of(subset: str) -> list[str]:
    """The releases a subset covers (``v2_v4`` -> v2, v3, v4)."""
    if subset == "release_latest":
        return list(VERSIONS)
    m = re.fullmatch(r"release_(v\d)", subset)
    if m and m[1] in VERSIONS:
        return list(VERSIONS[: VERSIONS.index(m[1]) + 1])
    m = re.fullmatch(r"(v\d)(?:_(v\d))?", subset)
    if m and m[1] in VERSIONS and (m[2] or m[1]) in VERSIONS:
        first, last = VERSIONS.index(m[1]), VERSIONS.index(m[2] or m[1])
        if first <= last:
            return list(VERSIONS[first: last + 1])
    raise ValueError(f"unknown LiveCodeBench subset {subset!r} (one of {', '.join(SUBSETS)})")


def release_files(root: Path, subset: str) -> Optional[list[Path]]:
    """The official repo's files of ``subset`` under ``root`` (``test.jsonl``, ``test2.jsonl``, ...), or ``None`` when
    ``root`` is not in that layout; a release file missing from it is an error naming the file."""
    if not any((root / name).is_file() for name in VERSION_FILES.values()):
        return None
    files = [root / VERSION_FILES[v] for v in versions_of(subset)]
    missing = [p.name for p in files if not p.is_file()]
    if missing and subset != "release_latest":
        raise FileNotFoundError(f"{root}: subset {subset} needs {', '.join(missing)} (LiveCodeBench's release files)")
    return [p for p in files if p.is_file()]


def parse_day(value: Optional[str], what: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"extra_params.{what}: {value!r} is not a date YYYY-MM-DD") from None


def in_window(contest_date: str, start: Optional[date], end: Optional[date]) -> bool:
    """Whether a problem's ``contest_date`` (ISO, e.g. ``2023-08-21T00:00:00``) lies in [start, end] (whole days)."""
    day = datetime.fromisoformat(str(contest_date)).date()
    return (start is None or day >= start) and (end is None or day <= end)


class PlainUnpickler(pickle.Unpickler):
    """An unpickler of plain data only: it refuses every global, so no pickle can call code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused: the pickle names {module}.{name} (only plain data is read)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refused: the pickle has a persistent id (only plain data is read)")


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_TESTS_BYTES)
    if inflater.unconsumed_tail:
        raise TestCaseError(f"private test cases inflate to more than {MAX_TESTS_BYTES} bytes")
    return out


def decode_private(text: str) -> list[dict[str, Any]]:
    """The private test cases: JSON as it is, else base64(zlib(pickle(JSON))) read by ``PlainUnpickler``."""
    try:
        plain = json.loads(text)
    except ValueError:
        plain = None
    if plain is not None:
        return _cases(plain)
    try:
        raw = _inflate(base64.b64decode(text.encode("ascii"), validate=False))
        value = PlainUnpickler(io.BytesIO(raw)).load()
    except (binascii.Error, zlib.error, UnicodeEncodeError) as exc:
        raise TestCaseError(f"private test cases are neither JSON nor base64/zlib: {exc}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise TestCaseError(f"private test cases: {exc}") from None
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return _cases(json.loads(value) if isinstance(value, str) else value)


def _cases(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(t, dict) and "input" in t and "output" in t for t in value):
        raise TestCaseError("test cases must be a list of {input, output, testtype} objects")
    return value


def tests_of(public: str, private: str, metadata: Any) -> dict[str, Any]:
    """EvalScope's ``evaluation_sample``: every input and output (public then private) and the function name."""
    cases = _cases(json.loads(public)) + (decode_private(private) if private else [])
    meta = json.loads(metadata) if isinstance(metadata, str) and metadata else (metadata or {})
    return {"inputs": [str(t["input"]) for t in cases], "outputs": [str(t["output"]) for t in cases],
            "fn_name": meta.get("func_name") or None}
