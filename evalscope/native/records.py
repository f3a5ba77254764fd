"""Prediction and review records, and the append-only JSONL files that hold them.

A record is appended and flushed as soon as it exists, so a killed run loses at most the
requests in flight. A half-written last line (``kill -9`` mid-write) is cut off when the file
is next opened, and skipped when it is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from evalscope.api import ChatMessage, ModelOutput

logger = logging.getLogger(__name__)


def stable_hash(value: Any) -> str:
    """sha256 of the canonical JSON of ``value`` (first 16 hex digits)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class PredictionRecord(BaseModel):
    """One model answer (or failure) for one sample, written before it is scored."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    sample_id: str
    """The sample's stable key within its subset."""
    repeat: int = 0
    """Which repeat of the sample (0 .. repeats-1)."""
    subset: str
    """Subset name."""
    model: str
    """The model id that answered."""
    input_hash: str
    """Hash of the messages sent; a cached answer is reused only for the same messages."""
    messages: list[ChatMessage]
    """What was sent; media parts are written as hash + source, never their bytes."""
    target: Union[str, list[str]]
    """The reference answer (or answers)."""
    output: Optional[ModelOutput] = None
    """The answer; ``None`` when the request failed."""
    error: Optional[str] = None
    """Why the request failed, after retries."""
    timestamp: float = Field(default_factory=time.time)
    """When the record was written (Unix time)."""

    @field_serializer("messages")
    def _messages_for_record(self, messages: list[ChatMessage]) -> list[dict[str, Any]]:
        return [m.for_record().model_dump(exclude_none=True) for m in messages]

    @property
    def key(self) -> tuple[str, int]:
        return (self.sample_id, self.repeat)

    @property
    def ok(self) -> bool:
        return self.output is not None and self.error is None

    @property
    def empty(self) -> bool:
        """An answer without any text (the server's ``content: null``): scored, but not final."""
        return self.output is not None and self.output.is_empty


class ReviewRecord(BaseModel):
    """The score of one prediction."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str
    """The sample's stable key within its subset."""
    repeat: int = 0
    """Which repeat."""
    subset: str
    """Subset name."""
    prediction_hash: str
    """Hash of the scored text; a cached review is reused only for the same prediction."""
    prediction: str
    """The model's text after filters."""
    extracted_prediction: str
    """The answer extracted from it."""
    target: Union[str, list[str]]
    """The reference answer (or answers)."""
    score: dict[str, float] = Field(default_factory=dict)
    """Metric name -> value."""
    explanation: Optional[str] = None
    """Why the scorer gave this score (a judge's reasoning), when it says."""
    score_metadata: dict[str, Any] = Field(default_factory=dict)
    """What the scorer recorded besides the value (the extraction and equivalence used, ...)."""
    scoring_hash: str = ""
    """Hash of the scoring settings (metrics, filters, benchmark version)."""
    error: Optional[str] = None
    """Why scoring failed, if it did."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.sample_id, self.repeat)


class JsonlAppender:
    """Appends one JSON line per record and flushes it at once."""

    def __init__(self, path: Path, truncate: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if truncate:
            path.write_bytes(b"")
        else:
            repair_tail(path)
        self._file = open(path, "a", encoding="utf-8")

    def append(self, record: BaseModel) -> None:
        self._file.write(record.model_dump_json() + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def repair_tail(path: Path) -> None:
    """Cut off a last line that has no newline (a write interrupted by a kill)."""
    if not path.exists():
        return
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as f:
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return
        # walk back to the last newline
        pos = size - 1
        block = 4096
        while pos > 0:
            start = max(0, pos - block)
            f.seek(start)
            chunk = f.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                pos = start + idx + 1
                break
            pos = start
        logger.warning("%s: dropping an incomplete last line (%d bytes) left by an interrupted run",
                       path, size - pos)
        f.truncate(pos)


def read_records(path: Path, model: type[BaseModel]) -> Iterator[Any]:
    """Records of a JSONL file; an unreadable line is skipped with a warning (it will be redone)."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield model.model_validate_json(line)
            except ValueError as exc:
                logger.warning("%s:%d: skipping unreadable cached record: %s", path, lineno, str(exc)[:200])
