"""The project's mock OpenAI-compatible server: a real aiohttp server on 127.0.0.1 with known truth.

Use from tests::

    from evalscope.perf.mock_server import MockServerConfig, run_in_thread

    with run_in_thread(ttft_ms=20, itl_ms=5, output_tokens=8,
                       script=[{"contains": "2+2", "reply": "The answer is 4."}]) as server:
        server.url        # "http://127.0.0.1:PORT/v1" (OpenAI base URL)
        server.stats()    # the GET /mock/stats document (below)
        server.reset()    # POST /mock/reset
        server.update_config(ttft_ms=0)   # POST /mock/config (partial update)
    # leaving the block calls server.stop()

``run_in_thread(config=None, **overrides)`` takes a ``MockServerConfig`` and/or its fields as
keywords; ``run_in_subprocess(config, cpus=[0], **overrides)`` runs it in a child process (benches).
CLI: ``evalscope mock-server --port 8877 --ttft-ms 100 --itl-ms 10 --script rules.jsonl`` prints the
URL once it listens.

Endpoints: ``POST /v1/chat/completions``, ``POST /v1/completions`` (stream and non-stream),
``POST /v1/embeddings``, ``GET /v1/models``, ``GET /health``, ``GET /mock/stats[?requests=1]``,
``POST /mock/reset``, ``POST /mock/config``. With ``api_key`` set, the ``/v1`` POST routes and the ``/mock``
routes need ``Authorization: Bearer <api_key>`` (``/v1/models`` and ``/health`` stay open).

Config (``MockServerConfig``, see ``config.py`` for every field): ``ttft_ms`` (arrival to first content
chunk), ``itl_ms`` (between content chunks), ``latency_ms`` (whole non-stream response),
``output_tokens`` (generated reply length; capped by ``max_tokens``/``max_completion_tokens``; padded up
to ``min_tokens``; exactly ``max_tokens`` with ``ignore_eos``), ``tokens_per_chunk``, ``mode``
(``generate`` | ``echo``), ``script``, ``default_reply``, ``embedding_dim``, ``reject_dimensions``,
``faults``, ``seed``, ``models``, ``strict_model``, ``api_key``.

A token of the mock is a word with its trailing whitespace, so ``"The answer is 4."`` is 4 tokens;
``usage`` counts tokens that way (prompt tokens over all message contents).

Streaming sends a role-only first chunk at once (chat), then content chunks (``reasoning_content``
first when the rule has ``reasoning``), a final chunk with ``finish_reason`` and a ``mock`` field of
applied timings, a usage chunk (``choices: []``) when ``stream_options.include_usage``, then
``data: [DONE]``. Non-stream bodies carry ``"mock": {"latency_ms": ...}``.

Script rules (a Python list, a JSON list, or a JSONL file: ``script="rules.jsonl"`` or
``load_script(path)``), first match wins::

    {"contains": "Natalia sold clips", "reply": "... #### 72", "reasoning": "optional"}
    {"regex": "^Translate", "reply": "..."}
    {"exact": "<the whole last user message>", "reply": "..."}      # O(1)
    {"sha256": "<hex of the whole text>", "reply": "..."}           # O(1)
    {"contains": "flaky", "fault": {"kind": "http_500", "first": 2}}  # fails twice, then answers

The text matched is the last ``user`` message (text parts joined by newlines) or the completions
``prompt``. ``contains`` needles of 8+ characters are indexed, so thousands of rules stay fast.
No match: ``default_reply``, else echo (``mode="echo"``) or filler tokens.

Faults (``FaultSpec``; in ``faults`` globally, tried in order, or ``fault`` per rule):
``{"kind": K, "rate": 0.1, "first": k, "retry_after": 1, "delay_s": 1, "after_chunks": 2}`` with K one of
``http_500``, ``http_429`` (``Retry-After`` header), ``slow`` (sleep ``delay_s`` then answer), ``drop``
(close the connection after ``after_chunks`` chunks, or before a non-stream body), ``malformed`` (bad
JSON body / one bad SSE event), ``no_done`` (stream without ``[DONE]``). ``rate`` is the probability
(seeded); ``first`` limits the fault to the first k requests of each prompt.

``GET /mock/stats``: ``total_requests`` (chat + completions + embedding inputs), ``by_endpoint``,
``by_status``, ``by_fault``, ``by_rule`` (rule index -> hits), ``prompts`` (text -> count),
``prompts_sha256`` (sha256 -> count), ``max_prompt_count``, ``applied`` (mean applied ttft/itl/latency
in ms) and with ``?requests=1`` ``requests``: one record per request with the applied ``ttft_ms``,
``itl_ms`` (mean gap between content chunk writes), ``latency_ms``, ``arrived`` (epoch seconds), tokens,
status, fault, the ``model`` asked for and ``params`` (the request's temperature, top_p, top_k, max_tokens,
max_completion_tokens, n, seed, stop, logprobs, echo, those it set). Applied times count from the arrival of the request's bytes: on Linux the kernel's
receive time (``SO_TIMESTAMPNS``, see ``stamped.py``), so time the request waits in the socket while
the server's loop is busy is part of the applied TTFT, as a client sees it; elsewhere the read time.
"""

from evalscope.perf.mock_server.config import FaultSpec, MockServerConfig, Rule, load_config, load_script
from evalscope.perf.mock_server.runner import (
    SubprocessServer,
    ThreadServer,
    run_in_subprocess,
    run_in_thread,
    serve,
)

__all__ = [
    "FaultSpec",
    "MockServerConfig",
    "Rule",
    "SubprocessServer",
    "ThreadServer",
    "load_config",
    "load_script",
    "run_in_subprocess",
    "run_in_thread",
    "serve",
]
