"""SuperGPQA's answer extraction, as its official ``eval/eval.py`` defines it (``extract_option_labels`` and
``extract_option_content``; EvalScope uses the same).

A letter is looked for with three patterns, first in the reply's last line, then in the whole reply: "the ... answer
/ option ... is X", "Answer: X", and X at the very start; X may be wrapped (``(C)``, ``$\\boxed{B}$``, ``**A**``,
``[D]``) and must be followed by a delimiter or the end. The letter patterns ignore case, so "The answer is a
..." yields ``a``, which is not the key ``A``, exactly as in the official scorer. Without a letter, the same three
patterns look for an option's text (case-sensitive, options tried in order), which gives that option's letter.

The wrappers are matched here by ``(?:[chars]|\\macro{)*`` where the official pattern has ``(?:[chars]*?(?:\\macro
{)?)*`` and ``[closers]*`` for ``(?:\\?\\}?\\$?\\)?\\]?\\}?)*``: the same languages, so the same answers, without the
exponential backtracking (the official pattern takes minutes on "The answer is" and 25 ``$``; the official script
guards it with a 5-second timeout).
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

LETTERS = "ABCDEFGHIJ"
_OPEN = r"(?:[*${(\[\\]|\\(?:boxed|mathbf|mathrm|text)\{)*"
_CLOSE = r"[\\}$)\]]*"
_END = r"(?:[\s:.*)]|$)"
_LABEL_PREFIXES = (r"[Tt]he\s+(?:\w+\s+)?(?:answer|option)(?:\w+\s+)?\s+is?:?\s*", r"(?i:Answer)[*\s]*:\s*",
                   r"^[^\w\r\n]*")
_CONTENT_PREFIXES = (r"[Tt]he\s+(?:\w+\s+)?(?:answer|option)(?:\w+\s+)?\s+is:?\s*", r"(?i:Answer)\s*",
                     r"^[^\w\r\n]*")
_LABEL_PATTERNS = [re.compile(p + _OPEN + rf"\s*([{LETTERS}])" + _CLOSE + _END, re.IGNORECASE)
                   for p in _LABEL_PREFIXES]


def _search(patterns: Sequence[re.Pattern], text: str) -> Optional[str]:
    text = text.rstrip()
    for target in (text.split("\n")[-1], text):
        for pattern in patterns:
            match = pattern.search(target)
            if match:
                return match.group(1)
    return None


def option_label(text: str) -> Optional[str]:
    """The letter the reply names (possibly lower case), or ``None``."""
    return _search(_LABEL_PATTERNS, text)


def option_content(text: str, options: Sequence[str]) -> Optional[str]:
    """The option whose text the reply names as its answer, or ``None``."""
    if not options:
        return None
    alternatives = "|".join(re.escape(o) for o in options)
    patterns = [re.compile(p + _OPEN + rf"\s*({alternatives})" + _CLOSE + _END) for p in _CONTENT_PREFIXES]
    return _search(patterns, text)


def _once(text: str, options: Sequence[str]) -> Optional[str]:
    label = option_label(text)
    if label is not None:
        return label
    content = option_content(text, options)
    return LETTERS[list(options).index(content)] if content else None


def extract(reply: str, options: Sequence[str], few_shot: bool) -> str:
    """The answer letter of a reply (``""`` when it names none). After a few-shot prompt the text before a
    "Question:" the model went on to write is read first, then the whole reply (the official five-shot mode)."""
    if few_shot:
        found = _once(reply.split("Question:")[0], options)
        if found is None:
            found = _once(reply, options)
    else:
        found = _once(reply, options)
    return found or ""
