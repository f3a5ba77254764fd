"""Reading one response body, streamed or not (pure: bytes and arrival times in, fields out).

Both transports feed it: ``feed(data, now)`` for every piece of body as it arrives, then
``finish(now)``, which returns the error (``None`` when the response was good). One timestamp per
piece: events that arrived together share it.
"""

from __future__ import annotations

import json
from typing import Optional

from evalscope.perf.apis.base import ApiPlugin, NoChoices
from evalscope.wire.sse import SSEDecoder

# the C scanner behind json.loads, without its wrappers: (object, end index) of one JSON value
_SCAN = json.JSONDecoder().scan_once
_ERRORS = (StopIteration, ValueError, AttributeError, TypeError, KeyError, IndexError)


class ResponseParser:
    __slots__ = ("api", "stream", "require_done", "chunk_times", "texts", "reasoning", "usage", "finish_reason", "done",
                 "events", "error", "_decoder", "_body")

    def __init__(self, api: ApiPlugin, stream: bool, require_done: bool = True) -> None:
        self.api = api
        self.stream = stream
        self.require_done = require_done
        self.chunk_times: list[float] = []
        self.texts: list[str] = []
        self.reasoning: list[str] = []
        self.usage: Optional[dict] = None
        self.finish_reason: Optional[str] = None
        self.done = False
        self.events = 0
        self.error: Optional[str] = None
        self._decoder = SSEDecoder() if stream else None
        self._body: list[bytes] = []

    def feed(self, data: bytes, now: float) -> None:
        if self.error is not None:
            return
        if self._decoder is None:
            self._body.append(data)
            return
        for event in self._decoder.feed_data(data):
            self._event(event, now)
            if self.error is not None:
                return

    def _event(self, data: str, now: float) -> None:
        self.events += 1
        if data == "[DONE]":
            self.done = True
            return
        try:
            obj, end = _SCAN(data, 0)
            if end != len(data) and data[end:].strip():
                raise ValueError("extra data after the JSON object")
            content, think, usage, finish = self.api.parse_event(obj)
            tool = ""
            if not (content or think):  # off the hot path: events without text (role, final, usage, error)
                error = self.api.event_error(obj)
                if error is not None:
                    self.error = f"server error in stream: {error}"
                    return
                tool = self.api.tool_text(obj)
        except _ERRORS as exc:
            stripped = data.strip()  # "data:  {...}" or "[DONE] ": the decoder strips one space, JSON allows more
            if stripped != data:
                self.events -= 1
                self._event(stripped, now)
                return
            self.error = f"malformed JSON in stream: {type(exc).__name__}: {data[:120]!r}"
            return
        if content or think or tool:
            self.chunk_times.append(now)
            self.texts.append(content)
            if think:
                self.reasoning.append(think)
        if usage:
            self.usage = usage
        if finish:
            self.finish_reason = finish

    def finish(self, now: float) -> Optional[str]:
        """End of the body; returns the error, ``None`` for a good response."""
        if self.error is not None:
            return self.error
        if self._decoder is not None:
            for event in self._decoder.finish():  # a last event without its blank line
                self._event(event.data, now)
            if self.error is None and not self.done and self.require_done:
                self.error = ("stream ended without [DONE] (a server that never sends it, such as transformers "
                              "serve: --no-require-done)")
            if self.error is None and not self.chunk_times and self.finish_reason is None:
                self.error = f"stream without choices: no content and no finish_reason in {self.events} events"
            return self.error
        raw = b"".join(self._body)
        try:
            obj = json.loads(raw)
            error = self.api.event_error(obj)
            if error is not None:
                self.error = f"server error in body: {error}"
                return self.error
            content, think, usage, finish = self.api.parse_response(obj)
        except NoChoices as exc:
            self.error = f"{exc}: {raw[:120]!r}"
            return self.error
        except _ERRORS as exc:
            self.error = f"malformed JSON body: {type(exc).__name__}: {raw[:120]!r}"
            return self.error
        self.events = 1
        self.chunk_times.append(now)
        self.texts.append(content)
        if think:
            self.reasoning.append(think)
        self.usage, self.finish_reason = usage, finish
        return None
