"""An optional tokenizer (``--tokenizer-path``), loaded lazily through ``transformers``.

Without ``--tokenizer-path`` the client has no tokenizer: token counts come only from the server's
``usage`` (and are ``None`` with a warning when the server sends none); prompt lengths are in
characters (``random``: words). With it but without ``transformers`` installed, the run stops with
an install hint.
"""

from __future__ import annotations

import logging
from typing import Optional, Protocol

from evalscope.errors import UsageError

logger = logging.getLogger(__name__)


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: list[int]) -> str: ...

    @property
    def vocab_size(self) -> int: ...


class HFTokenizer:
    def __init__(self, path: str) -> None:
        try:
            from transformers import AutoTokenizer
        except ImportError:
            raise UsageError(
                "--tokenizer-path needs the 'transformers' package: pip install transformers"
            ) from None
        try:
            self._tok = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        except Exception as exc:  # a bad path, an offline hub id
            raise UsageError(f"cannot load tokenizer {path!r}: {exc}") from exc

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False)

    def decode(self, ids: list[int]) -> str:
        return self._tok.decode(ids)

    @property
    def vocab_size(self) -> int:
        return int(self._tok.vocab_size)

    def count(self, text: str) -> int:
        return len(self.encode(text))


def load_tokenizer(path: Optional[str]) -> Optional[HFTokenizer]:
    return HFTokenizer(path) if path else None
