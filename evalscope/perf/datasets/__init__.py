"""Dataset plugins of ``evalscope perf`` (registry kind ``perf_dataset``) and ``load_items``."""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from evalscope.errors import UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets import conversations, images, synthetic, text  # noqa: F401  (register the built-ins)
from evalscope.perf.datasets.base import Conversation, DatasetPlugin

__all__ = ["Conversation", "DatasetPlugin", "PromptItem", "load_conversations", "load_items"]

MULTI_TURN_DATASETS = "random_multi_turn, share_gpt_zh_multi_turn, share_gpt_en_multi_turn, custom_multi_turn"


def make_dataset(args: Any, tokenizer: Any = None) -> DatasetPlugin:
    from evalscope.perf.plugins import get_plugin

    if args.prompt is not None and args.dataset not in ("flickr8k",):  # flickr8k uses --prompt as its text
        return text.FixedPrompt(args, tokenizer)
    if args.dataset == "custom" and args.dataset_plugin:
        cls = get_plugin("perf_dataset", args.dataset_plugin)
    else:
        cls = get_plugin("perf_dataset", args.dataset)
    if not (isinstance(cls, type) and issubclass(cls, DatasetPlugin)):
        raise UsageError(f"dataset plugin {cls!r} is not a DatasetPlugin subclass")
    return cls(args, tokenizer)


def load_items(args: Any, n: int, tokenizer: Any = None) -> list[PromptItem]:
    """``n`` prompts; a finite dataset is cycled when it has fewer."""
    plugin = make_dataset(args, tokenizer)
    if plugin.multi_turn:
        raise UsageError(f"--dataset {args.dataset} is a conversation dataset: add --multi-turn")
    return _take(iter(plugin.items()), n, args.dataset, "prompts")


def load_conversations(args: Any, n: int, tokenizer: Any = None) -> list[Conversation]:
    """``n`` conversations for ``--multi-turn``; a finite dataset is cycled when it has fewer."""
    plugin = make_dataset(args, tokenizer)
    if not plugin.multi_turn:
        source = "--prompt" if args.prompt is not None else f"--dataset {args.dataset}"
        raise UsageError(f"--multi-turn needs a conversation dataset ({MULTI_TURN_DATASETS}, or a plugin with "
                         f"multi_turn = True); {source} gives single prompts")
    return _take(iter(plugin.conversations()), n, args.dataset, "conversations")


def _take(source: Iterator, n: int, dataset: str, what: str) -> list:
    first = list(itertools.islice(source, n))
    if not first:
        raise UsageError(f"dataset {dataset!r} gave no {what} (check the file and the prompt length limits)")
    if len(first) < n:
        first = list(itertools.islice(itertools.cycle(first), n))
    return first
