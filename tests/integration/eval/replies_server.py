"""A tiny real OpenAI-style server on 127.0.0.1 whose replies a test scripts per question (for replies the
project's mock server does not give: ``content: null``, a 401 that echoes the key, an empty stream)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from typing import Callable

from aiohttp import web

Reply = Callable[[str, dict], web.StreamResponse]


def chat_body(content, finish_reason: str = "stop") -> dict:
    return {"id": "x", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish_reason}]}


class RepliesServer:
    """``with RepliesServer(reply) as server:`` ... ``server.url``; ``reply(question, body)`` makes each answer."""

    def __init__(self, reply: Callable[[str, dict], object]) -> None:
        self.reply = reply
        self.asked: Counter = Counter()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        content = body["messages"][-1]["content"]
        question = (content if isinstance(content, str) else content[0]["text"]).split("\n")[0]
        self.asked[question] += 1
        out = self.reply(question, body)
        if isinstance(out, web.StreamResponse):
            return out
        if isinstance(out, list):  # SSE events, sent as they are
            resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await resp.prepare(request)
            for event in out:
                data = event if isinstance(event, str) else json.dumps(event)
                await resp.write(f"data: {data}\n\n".encode())
            await resp.write_eof()
            return resp
        return web.json_response(out)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "RepliesServer":
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
