"""A real completions server on 127.0.0.1 that answers lm-eval's loglikelihood requests (``echo: true``,
``logprobs: 1``, the prompt as token ids), which the project's mock server does not: its completions carry
``logprobs: null``. Every token id is decoded with the test's word vocabulary; a word in ``liked`` gets
log-probability -0.1, any other -3.0, so which choice wins is known. Each request body is kept."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

LIKED, OTHER = -0.1, -3.0


class LogprobsServer:
    def __init__(self, vocab: dict[str, int], liked: set[str]) -> None:
        self.words = {i: w for w, i in vocab.items()}
        self.liked = liked
        self.bodies: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _choice(self, index: int, ids: list[int]) -> dict[str, Any]:
        words = [self.words.get(i, "[UNK]") for i in ids] + ["."]  # echo + the one generated token
        lps = [LIKED if w in self.liked else OTHER for w in words]
        return {"index": index, "text": " ".join(words), "finish_reason": "length",
                "logprobs": {"tokens": words, "token_logprobs": [None, *lps[1:]],
                             "top_logprobs": [None, *({w: lp} for w, lp in zip(words[1:], lps[1:]))]}}

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        prompt = body["prompt"]
        if not (body.get("echo") and body.get("logprobs")):
            return web.json_response({"error": {"message": "this server only scores: echo + logprobs"}},
                                     status=400)
        prompts = prompt if prompt and isinstance(prompt[0], list) else [prompt]
        return web.json_response({"id": "cmpl-x", "object": "text_completion", "model": body.get("model"),
                                  "choices": [self._choice(i, p) for i, p in enumerate(prompts)]})

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/completions", self._completions)
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

    def __enter__(self) -> "LogprobsServer":
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
