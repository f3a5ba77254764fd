"""Fast first-match-wins lookup of script rules, and the mock's notion of a token.

A *token* of the mock is a word with its trailing whitespace (``re.findall(r"\\s*\\S+\\s*")``
style split), so a reply's token count is predictable from its text. Matching is indexed:
``exact`` and ``sha256`` rules are dict lookups, ``contains`` rules whose needle has at least
``GRAM`` characters are found through a dict keyed by their first ``GRAM`` characters (one lookup
per position of the text), and only shorter needles and ``regex`` rules are scanned linearly.
"""

from __future__ import annotations

import hashlib
import re
from typing import Optional, Sequence

from evalscope.perf.mock_server.config import Rule

GRAM = 8
_TOKEN_RE = re.compile(r"\S+\s*|\s+")
_FILLER = ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "and", "then", "rests")


def split_tokens(text: str) -> list[str]:
    """The mock's tokens of ``text``: each word keeps its trailing whitespace."""
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN_RE.findall(text))


def filler_tokens(n: int, offset: int = 0) -> list[str]:
    """``n`` deterministic filler tokens (``"the "``, ``"quick "``, ...)."""
    return [_FILLER[(offset + i) % len(_FILLER)] + " " for i in range(n)]


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Script:
    """The compiled rules; ``match(text)`` returns ``(index, rule)`` of the first rule that fits."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self._exact: dict[str, int] = {}
        self._sha: dict[str, int] = {}
        self._image: dict[str, int] = {}
        self._grams: dict[str, list[int]] = {}
        self._linear: list[int] = []
        self._regex: dict[int, re.Pattern[str]] = {}
        for i, rule in enumerate(self.rules):
            if rule.exact is not None:
                self._exact.setdefault(rule.exact, i)
            elif rule.sha256 is not None:
                self._sha.setdefault(rule.sha256.lower(), i)
            elif rule.image_sha256 is not None:
                self._image.setdefault(rule.image_sha256.lower(), i)
            elif rule.contains is not None and len(rule.contains) >= GRAM:
                self._grams.setdefault(rule.contains[:GRAM], []).append(i)
            else:
                if rule.regex is not None:
                    self._regex[i] = re.compile(rule.regex)
                self._linear.append(i)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def has_image_rules(self) -> bool:
        """Whether a rule matches on image content (so each image must be decoded and hashed)."""
        return bool(self._image)

    def match(self, text: str, images: Sequence[str] = ()) -> Optional[tuple[int, Rule]]:
        """``images``: the hex sha256 of each image of the message (``image_sha256`` rules)."""
        if not self.rules:
            return None
        best = self._exact.get(text)
        for digest in images if self._image else ():
            hit = self._image.get(digest, self._image.get(digest[:16]))
            if hit is not None and (best is None or hit < best):
                best = hit
        if self._sha:
            hit = self._sha.get(sha256_hex(text))
            if hit is not None and (best is None or hit < best):
                best = hit
        if self._grams:
            best = self._match_grams(text, best)
        for i in self._linear:
            if best is not None and i >= best:
                break
            rule = self.rules[i]
            pattern = self._regex.get(i)
            if (pattern.search(text) if pattern is not None else rule.contains in text):
                best = i
                break
        return None if best is None else (best, self.rules[best])

    def _match_grams(self, text: str, best: Optional[int]) -> Optional[int]:
        grams = self._grams
        for pos in range(len(text) - GRAM + 1):
            candidates = grams.get(text[pos : pos + GRAM])
            if candidates is None:
                continue
            for i in candidates:
                if best is not None and i >= best:
                    break
                if text.startswith(self.rules[i].contains, pos):  # type: ignore[arg-type]
                    best = i
                    break
        return best
