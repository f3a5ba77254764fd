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

Conversation = list[list[dict[str, Any]]]
"""A conversation's turns; each turn is the messages it adds (a user message, perhaps a system one before
it). The assistant replies between turns are the server's own, added by the runner."""


class DatasetPlugin:
    """Subclass and implement ``items`` (or, with ``multi_turn = True``, ``conversations``);
    ``args.dataset_path`` is the user's file or folder."""

    HUB: Optional[tuple[str, str]] = None
    """``(Hugging Face dataset repo, file)`` downloaded when no ``--dataset-path`` is given."""
    multi_turn: bool = False
    """A conversation dataset (``--multi-turn``): implements ``conversations`` instead of ``items``."""

    def __init__(self, args: "PerfArgs", tokenizer: Any = None) -> None:
        self.args = args
        self.tokenizer = tokenizer

    def items(self) -> Iterator[PromptItem]:
        raise NotImplementedError

    def conversations(self) -> Iterator[Conversation]:
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
            if self.HUB is None:
                raise DatasetError(f"--dataset {self.args.dataset} needs --dataset-path: {hub_hint}")
            return self._download(hub_hint)
        path = Path(self.args.dataset_path)
        if not path.exists():
            raise DatasetError(f"--dataset-path {path} does not exist")
        return path


    def _download(self, hub_hint: str) -> Path:
        repo, filename = self.HUB  # type: ignore[misc]
        try:
            from huggingface_hub import hf_hub_download
        except ImportError:
            raise DatasetError(
                f"--dataset {self.args.dataset} without --dataset-path downloads {filename} from the Hugging Face "
                f"dataset {repo}, which needs huggingface_hub (pip install huggingface_hub); or pass --dataset-path: "
                f"{hub_hint}"
            ) from None
        logger.info("no --dataset-path: downloading %s from the Hugging Face dataset %s", filename, repo)
        try:
            return Path(hf_hub_download(repo_id=repo, filename=filename, repo_type="dataset"))
        except Exception as exc:  # offline, unknown repo, no permission
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise DatasetError(
                f"could not download {filename} from the Hugging Face dataset {repo} (offline?): {first}. "
                f"Pass --dataset-path: {hub_hint}"
            ) from None


def read_text(path: Path, what: str = "--dataset-path") -> str:
    """The UTF-8 text of the file ``path``; a folder, an unreadable or a non-UTF-8 file is a ``DatasetError``."""
    try:
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise DatasetError(f"{what} {str(path)!r} is a folder; this dataset reads one file") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{what} {str(path)!r} is not UTF-8 text (byte {exc.start}: "
                           f"{exc.object[exc.start:exc.start + 1]!r}); convert it to UTF-8") from None
    except OSError as exc:
        raise DatasetError(f"{what} {str(path)!r} cannot be read: {exc.strerror or exc}") from None


def read_records(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of a JSONL file, or of a JSON list file."""
    text = read_text(path)
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
