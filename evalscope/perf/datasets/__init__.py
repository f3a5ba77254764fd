"""Dataset plugins of ``evalscope perf`` (registry kind ``perf_dataset``) and ``load_items``."""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from evalscope.errors import UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets import images, synthetic, text  # noqa: F401  (register the built-ins)
from evalscope.perf.datasets.base import DatasetPlugin

__all__ = ["DatasetPlugin", "PromptItem", "load_items"]


def make_dataset(args: Any, tokenizer: Any = None) -> DatasetPlugin:
    from evalscope.perf.plugins import get_plugin

    if args.prompt is not None and args.dataset not in ("flickr8k",):  # flickr8k uses --prompt as its text
        return text.FixedPrompt(args, tokenizer)
    if args.dataset == "custom":
        if not args.dataset_plugin:
            raise UsageError("--dataset custom needs --dataset-plugin module:Class")
        cls = get_plugin("perf_dataset", args.dataset_plugin)
    else:
        cls = get_plugin("perf_dataset", args.dataset)
    if not (isinstance(cls, type) and issubclass(cls, DatasetPlugin)):
        raise UsageError(f"dataset plugin {cls!r} is not a DatasetPlugin subclass")
    return cls(args, tokenizer)


def load_items(args: Any, n: int, tokenizer: Any = None) -> list[PromptItem]:
    """``n`` prompts; a finite dataset is cycled when it has fewer."""
    source: Iterator[PromptItem] = iter(make_dataset(args, tokenizer).items())
    first = list(itertools.islice(source, n))
    if not first:
        raise UsageError(f"dataset {args.dataset!r} gave no prompts (check the file and the prompt length limits)")
    if len(first) < n:
        first = list(itertools.islice(itertools.cycle(first), n))
    return first
