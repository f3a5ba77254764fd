"""EvalScope's ``DatasetPluginBase``: subclass it and implement ``build_messages()``, which yields, per
request, a list of OpenAI messages (``[{"role": "user", "content": ...}]``) or a prompt string.

``register_dataset`` (``evalscope.perf.plugin.registry``) wraps such a class in ``adapt``, a
``DatasetPlugin`` of this project, so it runs like any other dataset. The helpers EvalScope plugins
call are here: ``dataset_line_by_line``, ``dataset_json_list``, ``create_message``,
``check_prompt_length``. Multi-turn ``Turn`` conversations are not adapted (use
``custom_multi_turn``, or a ``DatasetPlugin`` with ``multi_turn = True``).
"""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional, Union

from evalscope.errors import DatasetError, UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets.base import DatasetPlugin

Message = dict[str, Any]
Messages = list[Message]


class DatasetPluginBase:
    """EvalScope's base class; ``query_parameters`` is the run's ``Arguments`` (``PerfArgs``)."""

    def __init__(self, query_parameters: Any) -> None:
        self.query_parameters = query_parameters
        self.tokenizer: Any = None  # set by the adapter: the run's tokenizer, if any

    def build_messages(self) -> Iterator[Union[Messages, str]]:
        raise NotImplementedError

    def __iter__(self):
        return self.build_messages()

    def dataset_line_by_line(self, dataset: str) -> Iterator[str]:
        with open(dataset, encoding="utf-8") as f:
            yield from f

    def dataset_json_list(self, dataset: str) -> Iterator[dict]:
        with open(dataset, encoding="utf-8") as f:
            yield from json.load(f)

    def create_message(self, text: str, image_urls: Optional[Union[list[str], str]] = None, role: str = "user") -> Message:
        if image_urls is None:
            return {"role": role, "content": text}
        urls = [image_urls] if isinstance(image_urls, str) else image_urls
        return {"role": role, "content": [{"type": "text", "text": text}]
                + [{"type": "image_url", "image_url": {"url": u}} for u in urls]}

    def check_prompt_length(self, prompt: str) -> tuple[bool, int]:
        """(within ``--min/--max-prompt-length``, length): tokens with a tokenizer, else characters."""
        n = self.tokenizer.count(prompt) if self.tokenizer is not None else len(prompt)
        a = self.query_parameters
        return a.min_prompt_length <= n <= a.max_prompt_length, n


def adapt(cls: type) -> type:
    """A ``DatasetPlugin`` that runs the EvalScope-style plugin ``cls``."""
    if not (isinstance(cls, type) and issubclass(cls, DatasetPluginBase)):
        raise UsageError(f"register_dataset: {cls!r} is not a DatasetPluginBase subclass")

    class EvalScopeDataset(DatasetPlugin):
        __doc__ = f"EvalScope-style dataset plugin {cls.__module__}.{cls.__qualname__}"
        plugin = cls

        def items(self) -> Iterator[PromptItem]:
            source = cls(self.args)
            source.tokenizer = self.tokenizer
            for k, item in enumerate(source.build_messages()):
                yield self._item(item, k)

        def _item(self, item: Any, k: int) -> PromptItem:
            if isinstance(item, str):
                return self.chat_item(item)
            if isinstance(item, list) and item and all(isinstance(m, dict) and "role" in m for m in item):
                prompt = None
                if not self.args.is_chat:  # a completions URL takes the text
                    prompt = PromptItem(messages=item).text()
                return PromptItem(messages=item, prompt=prompt)
            raise DatasetError(
                f"{cls.__qualname__}.build_messages() item {k}: expected a prompt string or a list of OpenAI "
                f"messages, got {type(item).__name__} {str(item)[:80]!r} (multi-turn Turn lists are not supported "
                "here: use --dataset custom_multi_turn)"
            )

    EvalScopeDataset.__name__ = EvalScopeDataset.__qualname__ = f"EvalScope_{cls.__name__}"
    return EvalScopeDataset
