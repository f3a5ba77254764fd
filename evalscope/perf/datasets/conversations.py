"""Conversation datasets for ``--multi-turn``: ``custom_multi_turn``, ``share_gpt_zh_multi_turn`` /
``share_gpt_en_multi_turn`` and ``random_multi_turn`` (EvalScope's names and file formats).

Each yields conversations as lists of turns (``base.Conversation``). Reference assistant replies in
the files are dropped: the runner sends the server's real replies back as the context. The prompt
length limits apply to a conversation's first user turn; ``--max-turns`` cuts longer conversations.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Iterator, Optional

from evalscope.errors import DatasetError, UsageError
from evalscope.perf.datasets.base import Conversation, DatasetPlugin, read_records, read_text
from evalscope.perf.datasets.synthetic import RandomPrompts
from evalscope.registry import register

_ROLES = ("system", "user", "assistant", "tool", "developer")


def split_turns(messages: list[dict[str, Any]]) -> Conversation:
    """Cut a flat message list into turns at its assistant messages (whose content is dropped).

    ``[system, user1, assistant, user2]`` -> ``[[system, user1], [user2]]``.
    """
    turns: Conversation = []
    current: list[dict[str, Any]] = []
    for message in messages:
        if message.get("role") == "assistant":
            if current:
                turns.append(current)
                current = []
        else:
            current.append(message)
    if current:
        turns.append(current)
    return turns


def first_user_text(conversation: Conversation) -> str:
    for message in conversation[0] if conversation else []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return ""


class _ConversationFile(DatasetPlugin):
    multi_turn = True

    def accept(self, conversation: Conversation) -> Optional[Conversation]:
        """Cut to ``--max-turns``; ``None`` when empty or its first user turn is outside the length limits."""
        if self.args.max_turns is not None:
            conversation = conversation[: self.args.max_turns]
        if not conversation or not self.keep(first_user_text(conversation)):
            return None
        return conversation


@register("perf_dataset", "custom_multi_turn")
class CustomMultiTurn(_ConversationFile):
    """JSONL, one conversation per line: a JSON array of OpenAI messages (or an object with ``messages``),
    e.g. ``[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "How are you?"}]``: two turns."""

    def conversations(self) -> Iterator[Conversation]:
        path = self.require_path("a JSONL file, one JSON array of OpenAI messages per line")
        for lineno, line in enumerate(read_text(path).splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{path}:{lineno}: not valid JSON: {exc}") from None
            messages = obj.get("messages") if isinstance(obj, dict) else obj
            _check_messages(messages, path, lineno)
            conversation = self.accept(split_turns(messages))
            if conversation:
                yield conversation


class _ShareGPT(_ConversationFile):
    """ShareGPT JSONL/JSON: ``{"conversation": [{"human": ..., "assistant": ...}, ...]}`` (the swift/sharegpt
    files EvalScope uses), or the common ``{"conversations": [{"from": "human", "value": ...}, ...]}``."""

    def conversations(self) -> Iterator[Conversation]:
        path = self.require_path("a ShareGPT JSONL file (e.g. sharegpt_jsonl/common_en_70k.jsonl)")
        for lineno, obj in read_records(path):
            conversation = self.accept([[{"role": "user", "content": text}] for text in _sharegpt_users(obj, path, lineno)])
            if conversation:
                yield conversation


@register("perf_dataset", "share_gpt_zh_multi_turn")
class ShareGPTZh(_ShareGPT):
    HUB = ("shareAI/ShareGPT-Chinese-English-90k", "sharegpt_jsonl/common_zh_70k.jsonl")


@register("perf_dataset", "share_gpt_en_multi_turn")
class ShareGPTEn(_ShareGPT):
    HUB = ("shareAI/ShareGPT-Chinese-English-90k", "sharegpt_jsonl/common_en_70k.jsonl")


@register("perf_dataset", "random_multi_turn")
class RandomMultiTurn(DatasetPlugin):
    """Conversations of ``[--min-turns, --max-turns]`` user turns (``--max-turns`` is required), each turn a
    ``random`` prompt (token lengths with ``--tokenizer-path``, else words)."""

    multi_turn = True

    def conversations(self) -> Iterator[Conversation]:
        a = self.args
        if a.max_turns is None:
            raise UsageError("--dataset random_multi_turn needs --max-turns (and optionally --min-turns)")
        import random

        rng = random.Random(a.seed if a.seed is not None else 0)
        prompts = RandomPrompts(a, self.tokenizer).items()
        while True:
            n = rng.randint(a.min_turns, a.max_turns)
            yield [list(item.messages or []) for item in itertools.islice(prompts, n)]


def _check_messages(messages: Any, path: Path, lineno: int) -> None:
    if not isinstance(messages, list) or not messages:
        raise DatasetError(f"{path}:{lineno}: expected a non-empty JSON array of messages")
    for k, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in _ROLES or "content" not in m:
            raise DatasetError(
                f"{path}:{lineno}: message {k} is not an OpenAI message "
                f"({{\"role\": one of {', '.join(_ROLES)}, \"content\": ...}}): {json.dumps(m)[:80]}"
            )


def _sharegpt_users(obj: Any, path: Path, lineno: int) -> list[str]:
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}:{lineno}: expected a JSON object")
    if isinstance(obj.get("conversation"), list):
        return [t["human"].strip() for t in obj["conversation"]
                if isinstance(t, dict) and isinstance(t.get("human"), str) and t["human"].strip()]
    if isinstance(obj.get("conversations"), list):
        return [t["value"].strip() for t in obj["conversations"]
                if isinstance(t, dict) and t.get("from") in ("human", "user") and isinstance(t.get("value"), str)
                and t["value"].strip()]
    raise DatasetError(f"{path}:{lineno}: no 'conversation' (human/assistant pairs) or 'conversations' (from/value) list")
