"""The one transport loop: send a request, timestamp every content chunk, return a ``RequestRecord``.

Nothing here decides *when* to send (``runner.py`` does). The loop is kept lean because its own cost
shows up in the measured latencies: one ``perf_counter()`` per network read (events of one read
arrived together), the pure ``SSEDecoder``, one ``json.loads`` per event, and no token counting
(done after the run).
"""

from __future__ import annotations

import asyncio
import json
import logging
from time import perf_counter
from typing import Any, Optional

import aiohttp

from evalscope.perf.apis.base import ApiPlugin
from evalscope.perf.records import RequestRecord
from evalscope.wire.sse import SSEDecoder

logger = logging.getLogger(__name__)

# the C scanner behind json.loads, without its wrappers: (object, end index) of one JSON value
_SCAN = json.JSONDecoder().scan_once


class Sender:
    """Sends bodies to one URL over one ``aiohttp`` session; failures become records, never exceptions."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        api: ApiPlugin,
        stream: bool,
        origin: float,
        keep_chunk_texts: bool = False,
        debug: bool = False,
    ) -> None:
        self.session, self.url, self.headers, self.api = session, url, headers, api
        self.stream = stream and api.streams
        self.origin = origin
        self.keep_chunk_texts = keep_chunk_texts
        self.debug = debug

    async def send(
        self, request_id: int, body: bytes, ready: float, scheduled: Optional[float] = None
    ) -> RequestRecord:
        origin = self.origin
        chunk_times: list[float] = []
        texts: list[str] = []
        reasoning: list[str] = []
        state: dict[str, Any] = {"usage": None, "finish": None, "done": False, "events": 0, "status": None}
        error: Optional[str] = None
        send_time = perf_counter() - origin
        try:
            async with self.session.post(self.url, data=body, headers=self.headers) as resp:
                state["status"] = resp.status
                if resp.status != 200:
                    detail = (await resp.text())[:300]
                    error = f"HTTP {resp.status}: {detail}"
                elif self.stream:
                    error = await self._read_stream(resp, chunk_times, texts, reasoning, state)
                else:
                    error = await self._read_body(resp, chunk_times, texts, reasoning, state)
        except asyncio.TimeoutError:
            error = "timeout"
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            error = f"connection dropped: {type(exc).__name__}: {exc}"
        except aiohttp.ClientError as exc:
            error = f"connection error: {type(exc).__name__}: {exc}"
        end_time = perf_counter() - origin
        if self.debug:
            logger.debug("request %d: status=%s error=%s text=%r", request_id, state["status"], error, "".join(texts)[:200])
        return RequestRecord.model_construct(
            request_id=request_id,
            request=body.decode("utf-8", errors="replace"),
            stream=self.stream,
            scheduled_time=scheduled,
            ready_time=ready,
            send_time=send_time,
            chunk_times=chunk_times,
            chunk_tokens=None,
            end_time=end_time,
            success=error is None,
            error=error,
            status=state["status"],
            prompt_tokens=None,
            completion_tokens=None,
            prompt_token_source=None,
            completion_token_source=None,
            text="".join(texts),
            reasoning="".join(reasoning),
            chunk_texts=[t for t in texts] if self.keep_chunk_texts else None,
            finish_reason=state["finish"],
            usage=state["usage"],
            saw_done=state["done"],
            n_events=state["events"],
        )

    async def _read_stream(self, resp, chunk_times, texts, reasoning, state) -> Optional[str]:
        decoder = SSEDecoder()
        parse = self.api.parse_event
        origin = self.origin
        scan = _SCAN
        add_time, add_text = chunk_times.append, texts.append
        events = 0
        async for raw in resp.content.iter_any():
            now = perf_counter() - origin
            for data in decoder.feed_data(raw):
                events += 1
                if data == "[DONE]":
                    state["done"] = True
                    continue
                try:
                    obj, end = scan(data, 0)
                    if end != len(data) and data[end:].strip():
                        raise ValueError("extra data after the JSON object")
                    content, think, usage, finish = parse(obj)
                except (StopIteration, ValueError, AttributeError, TypeError, KeyError, IndexError) as exc:
                    state["events"] = events
                    return f"malformed JSON in stream: {type(exc).__name__}: {data[:120]!r}"
                if content or think:
                    add_time(now)
                    add_text(content)
                    if think:
                        reasoning.append(think)
                if usage:
                    state["usage"] = usage
                if finish:
                    state["finish"] = finish
        state["events"] = events
        now = perf_counter() - origin
        for event in decoder.finish():  # a last event the server did not end with a blank line
            state["events"] += 1
            if event.data == "[DONE]":
                state["done"] = True
                continue
            try:
                content, think, usage, finish = parse(json.loads(event.data))
            except (ValueError, AttributeError, TypeError, KeyError, IndexError) as exc:
                return f"malformed JSON in stream: {type(exc).__name__}: {event.data[:120]!r}"
            if content or think:
                add_time(now)
                add_text(content)
            state["usage"] = usage or state["usage"]
            state["finish"] = finish or state["finish"]
        if not state["done"]:
            return "stream ended without [DONE]"
        return None

    async def _read_body(self, resp, chunk_times, texts, reasoning, state) -> Optional[str]:
        raw = await resp.read()
        now = perf_counter() - self.origin
        try:
            content, think, usage, finish = self.api.parse_response(json.loads(raw))
        except (ValueError, AttributeError, TypeError, KeyError, IndexError) as exc:
            return f"malformed JSON body: {exc}: {raw[:120]!r}"
        chunk_times.append(now)
        texts.append(content)
        if think:
            reasoning.append(think)
        state["usage"], state["finish"], state["events"] = usage, finish, 1
        return None
