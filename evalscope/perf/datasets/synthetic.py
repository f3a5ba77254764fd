"""Generated prompts: ``random`` (given token lengths) and ``speed_benchmark`` (fixed input lengths)."""

from __future__ import annotations

import logging
import random
from typing import Iterator

from evalscope.errors import UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets.base import DatasetPlugin
from evalscope.registry import register

logger = logging.getLogger(__name__)

_WORDS = (
    "time person year way day thing man world life hand part child eye woman place work week case point "
    "government company number group problem fact water room mother area money story month lot right study "
    "book job word business issue side kind head house service friend father power hour game line end member"
).split()


@register("perf_dataset", "random")
class RandomPrompts(DatasetPlugin):
    """Prompts of a length drawn uniformly from ``[min_prompt_length, max_prompt_length]``, after a shared
    ``prefix_length`` prefix.

    With ``--tokenizer-path`` the lengths are tokens: random token ids decoded to text, and the prompt's
    token count is known (source ``dataset``). Without a tokenizer the lengths are **words** of a small
    English vocabulary (most tokenizers give roughly one token per such word, but not exactly): a warning
    says so, and prompt token counts then come only from the server's ``usage``.
    """

    def items(self) -> Iterator[PromptItem]:
        a = self.args
        if a.max_prompt_length > 100_000:
            raise UsageError("--dataset random needs --max-prompt-length (and --min-prompt-length) set to the lengths to test")
        rng = random.Random(a.seed if a.seed is not None else 0)
        if self.tokenizer is None:
            if not getattr(self, "_warned", False):  # once, though the prompts may be read more than once
                self._warned = True
                logger.warning(
                    "--dataset random without --tokenizer-path: prompt lengths are in words, not tokens; "
                    "prompt token counts will come from the server's usage"
                )
            prefix = " ".join(rng.choice(_WORDS) for _ in range(a.prefix_length))
            while True:
                n = rng.randint(a.min_prompt_length, a.max_prompt_length)
                body = " ".join(rng.choice(_WORDS) for _ in range(n))
                yield self.chat_item((prefix + " " + body).strip())
        vocab = self.tokenizer.vocab_size
        prefix_ids = [rng.randrange(vocab) for _ in range(a.prefix_length)]
        while True:
            n = rng.randint(a.min_prompt_length, a.max_prompt_length)
            ids = prefix_ids + [rng.randrange(vocab) for _ in range(n)]
            item = self.chat_item(self.tokenizer.decode(ids))
            item.prompt_tokens = len(ids)
            yield item


@register("perf_dataset", "speed_benchmark")
class SpeedBenchmark(DatasetPlugin):
    """EvalScope's speed benchmark: inputs of 1, 6144, 14336 and 30720 characters (``熵`` repeated), twice
    each, sent to ``/v1/completions`` (use ``--parallel 1 -n 8``). A chat URL is an error."""

    INPUT_LENGTHS = (1, 6144, 14336, 30720)
    REPEAT = 2

    def items(self) -> Iterator[PromptItem]:
        if self.args.is_chat:
            raise UsageError(
                "--dataset speed_benchmark sends raw prompts to /v1/completions; "
                f"--url {self.args.safe_url} is a chat endpoint: use .../v1/completions"
            )
        while True:
            for n in self.INPUT_LENGTHS:
                for _ in range(self.REPEAT):
                    yield PromptItem(prompt="熵" * n)


@register("perf_dataset", "random_vl")
class RandomVL(DatasetPlugin):
    """EvalScope's ``random_vl``: each ``random`` prompt (see above) with ``--image-num`` generated images of
    ``--image-width`` x ``--image-height`` (one random colour and a few random rectangles, PNG, mode
    ``--image-format`` ``RGB`` or ``L``), sent as OpenAI ``image_url`` data URIs to a chat URL."""

    def items(self) -> Iterator[PromptItem]:
        from evalscope.perf.datasets.images import image_message
        from evalscope.perf.datasets.png import MODES, random_image

        a = self.args
        if not a.is_chat:
            raise UsageError(f"--dataset random_vl sends images: --url {a.safe_url} must be a chat endpoint")
        if a.image_format not in MODES:
            raise UsageError(f"--image-format {a.image_format!r}: random_vl makes {' or '.join(MODES)} images")
        rng = random.Random(a.seed if a.seed is not None else 0)
        for item in RandomPrompts(a, self.tokenizer).items():
            text = item.messages[0]["content"] if item.messages else item.text()
            images = [(random_image(rng, a.image_width, a.image_height, a.image_format), "image/png")
                      for _ in range(a.image_num)]
            yield PromptItem(messages=image_message(text, images))  # images add prompt tokens: counts from usage
