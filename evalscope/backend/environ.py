"""Environment variables set for the length of a harness run (harnesses read keys and data folders
from ``os.environ``, and their worker subprocesses inherit it)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterable, Iterator, Mapping


@contextmanager
def environment(values: Mapping[str, str], remove: Iterable[str] = ()) -> Iterator[None]:
    """``values`` set and ``remove`` unset in ``os.environ`` inside the block; the previous state restored after."""
    names = [*values, *remove]
    saved = {k: os.environ.get(k) for k in names}
    for k in remove:
        os.environ.pop(k, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
