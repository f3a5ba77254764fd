"""Dataset plugins of ``evalscope perf`` (registry kind ``perf_dataset``) and ``load_items``."""

from __future__ import annotations

import itertools
import logging
from typing import Any, Iterator, Optional

from evalscope.errors import UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets import conversations, images, synthetic, text  # noqa: F401  (register the built-ins)
from evalscope.perf.datasets.base import Conversation, DatasetPlugin

__all__ = ["Conversation", "DatasetPlugin", "PromptItem", "PromptSource", "load_conversations", "load_items"]

logger = logging.getLogger(__name__)

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


class PromptSource:
    """A dataset's prompts (or ``--multi-turn`` conversations) in order, taken run by run, so every run and
    warm-up gets its own and only one run's are in memory. A finite dataset that runs out starts again from
    its first (logged once: a server's prefix cache may serve the repeats faster)."""

    def __init__(self, args: Any, tokenizer: Any = None, multi_turn: bool = False) -> None:
        self.args = args
        plugin = make_dataset(args, tokenizer)
        if multi_turn and not plugin.multi_turn:
            source = "--prompt" if args.prompt is not None else f"--dataset {args.dataset}"
            raise UsageError(f"--multi-turn needs a conversation dataset ({MULTI_TURN_DATASETS}, or a plugin with "
                             f"multi_turn = True); {source} gives single prompts")
        if not multi_turn and plugin.multi_turn:
            raise UsageError(f"--dataset {args.dataset} is a conversation dataset: add --multi-turn")
        self._fresh = plugin.conversations if multi_turn else plugin.items
        self._what = "conversations" if multi_turn else "prompts"
        self._it: Iterator = iter(self._fresh())
        self._taken = 0
        self._pass_size: Optional[int] = None

    def take(self, n: int) -> list:
        out = list(itertools.islice(self._it, n))
        while len(out) < n:
            if self._pass_size is None:  # the first pass just ended
                self._pass_size = self._taken + len(out)
                if self._pass_size == 0:
                    raise self._empty()
                logger.warning("dataset %r has %d %s; they repeat from here on (a server's prefix cache may answer "
                               "repeats faster)", self.args.dataset, self._pass_size, self._what)
            self._it = iter(self._fresh())
            more = list(itertools.islice(self._it, n - len(out)))
            if not more:
                raise UsageError(f"dataset {self.args.dataset!r} gave no {self._what} on a second read")
            out += more
        self._taken += len(out)
        return out

    def first(self) -> Any:
        """The dataset's first item, from a read of its own (the connection test's probe)."""
        item = next(iter(self._fresh()), None)
        if item is None:
            raise self._empty()
        return item

    def _empty(self) -> UsageError:
        return UsageError(f"dataset {self.args.dataset!r} gave no {self._what} (check the file and the prompt "
                          "length limits)")


def load_items(args: Any, n: int, tokenizer: Any = None) -> list[PromptItem]:
    """``n`` prompts; a finite dataset is cycled when it has fewer."""
    return PromptSource(args, tokenizer).take(n)


def load_conversations(args: Any, n: int, tokenizer: Any = None) -> list[Conversation]:
    """``n`` conversations for ``--multi-turn``; a finite dataset is cycled when it has fewer."""
    return PromptSource(args, tokenizer, multi_turn=True).take(n)
