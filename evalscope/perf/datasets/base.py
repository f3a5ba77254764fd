"""The dataset plugin contract and the file readers shared by the built-ins."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

from evalscope.errors import DatasetError
from evalscope.perf.apis.base import PromptItem

if TYPE_CHECKING:
    from evalscope.perf.arguments import PerfArgs

logger = logging.getLogger(__name__)


class DatasetPlugin:
    """Subclass and implement ``items``; ``args.dataset_path`` is the user's file or folder."""

    def __init__(self, args: "PerfArgs", tokenizer: Any = None) -> None:
        self.args = args
        self.tokenizer = tokenizer

    def items(self) -> Iterator[PromptItem]:
        raise NotImplementedError

    # helpers ---------------------------------------------------------------
    def length(self, text: str) -> int:
        """Prompt length: tokens with a tokenizer, else characters."""
        return self.tokenizer.count(text) if self.tokenizer is not None else len(text)

    def keep(self, text: str) -> bool:
        n = self.length(text)
        return self.args.min_prompt_length <= n <= self.args.max_prompt_length

    def chat_item(self, text: str) -> PromptItem:
        return PromptItem(messages=[{"role": "user", "content": text}], prompt=None if self.args.is_chat else text)

    def require_path(self, hub_hint: str) -> Path:
        """``--dataset-path``, which must exist; without it, explain that the hub is not used offline."""
        if self.args.dataset_path is None:
            raise DatasetError(
                f"--dataset {self.args.dataset} needs --dataset-path here: {hub_hint} "
                "(hub downloads are not available in this build; download the file and pass its path)"
            )
        path = Path(self.args.dataset_path)
        if not path.exists():
            raise DatasetError(f"--dataset-path {path} does not exist")
        return path


def read_records(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of a JSONL file, or of a JSON list file."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise DatasetError(f"{path}: not valid JSON: {exc}") from exc
        for i, obj in enumerate(data, 1):
            yield i, obj
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"{path}:{lineno}: not valid JSON: {exc}") from exc


def field_of(obj: Any, names: tuple[str, ...], path: Path, lineno: int) -> Optional[str]:
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}:{lineno}: expected a JSON object")
    for name in names:
        value = obj.get(name)
        if isinstance(value, str):
            return value
    raise DatasetError(f"{path}:{lineno}: no {' or '.join(repr(n) for n in names)} field")
