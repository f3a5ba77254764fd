"""``JudgeClient``: judge requests through ``OpenAICompatibleModel``, bounded and cached in the run directory.

The cache is ``<run>/judge/<benchmark>.jsonl``: one line per reply, ``{"key", "model", "reply"}``, appended as soon
as the reply arrives; the key hashes the judge model, the messages and the request fields, so a changed prompt or
judge is asked afresh. A failed request is not cached (it is asked again on resume).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict

from evalscope.api import ChatMessage, ModelError

if TYPE_CHECKING:
    from evalscope.config.task import JudgeModelArgs

logger = logging.getLogger(__name__)


class JudgeError(RuntimeError):
    """The judge could not grade (a failed request, a reply without a verdict): an errored review."""


class JudgeReply(BaseModel):
    """One judge reply."""

    model_config = ConfigDict(extra="forbid")

    text: str
    """The judge's raw reply."""
    cached: bool = False
    """Whether it came from the run directory's judge cache."""


class JudgeClient:
    """Sends judge prompts to the judge model; ``await ask(prompt)`` -> ``JudgeReply``."""

    def __init__(self, args: "JudgeModelArgs", workers: int = 1, cache_file: Optional[Path] = None,
                 model: Any = None) -> None:
        from evalscope.models.openai_api import OpenAICompatibleModel

        self.args = args
        key = args.api_key.get_secret_value() if args.api_key else None
        self.model = model or OpenAICompatibleModel(args.model or "judge", args.api_url or "", key,
                                                    max_connections=max(workers, 1))
        self.workers = max(1, workers)
        self._slots: Optional[asyncio.Semaphore] = None
        self.cache_file = cache_file
        self._cache = _read_cache(cache_file) if cache_file else {}
        self._lock = threading.Lock()
        self.requests = 0
        """Requests actually sent (cache misses)."""

    def messages(self, prompt: str, system: Optional[str] = None) -> list[ChatMessage]:
        """The judge conversation: the user's ``judge_model_args.system_prompt`` if set, else the benchmark's
        ``system`` (an official judge's instructions), then the prompt."""
        system = self.args.system_prompt or system
        head = [ChatMessage(role="system", content=system)] if system else []
        return [*head, ChatMessage(role="user", content=prompt)]

    def key(self, messages: list[ChatMessage]) -> str:
        basis = {"model": self.args.model, "messages": [m.model_dump(mode="json") for m in messages],
                 "request": self.args.generation_config.request_fields()}
        return hashlib.sha256(json.dumps(basis, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    async def ask(self, prompt: str, system: Optional[str] = None) -> JudgeReply:
        messages = self.messages(prompt, system)
        key = self.key(messages)
        if key in self._cache:
            return JudgeReply(text=self._cache[key], cached=True)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            self.requests += 1
            try:
                output = await self.model.generate(messages, self.args.generation_config)
            except ModelError as exc:
                raise JudgeError(f"judge request failed: {exc}") from None
        text = output.content or ""
        if not text.strip():
            raise JudgeError("the judge replied with no text")
        self._cache[key] = text
        self._append(key, text)
        return JudgeReply(text=text)

    def _append(self, key: str, text: str) -> None:
        if self.cache_file is None:
            return
        line = json.dumps({"key": key, "model": self.args.model, "reply": text}, ensure_ascii=False) + "\n"
        with self._lock:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            with self.cache_file.open("a", encoding="utf-8") as f:
                f.write(line)

    async def aclose(self) -> None:
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()


def _read_cache(path: Path) -> dict[str, str]:
    cache: dict[str, str] = {}
    if not path.exists():
        return cache
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
            cache[str(record["key"])] = str(record["reply"])
        except (ValueError, KeyError, TypeError):  # a line cut by a kill: that reply is asked again
            logger.warning("%s:%d: unreadable judge cache line skipped", path, number)
    return cache
