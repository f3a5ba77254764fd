"""``BoundedOpenAIExtra``: OpenCompass's ``OpenAIExtra`` with bounded retries and a request timeout.

Imported by OpenCompass's infer subprocesses (the model's ``type`` in the config names this class).
Upstream ``OpenAIExtra._generate`` (ms-opencompass 0.1.6) retries a connection error and an unreadable
(non-JSON) reply without counting the attempt, and posts without a timeout: a dead or stalled server
makes a task loop or wait forever. Here the module's ``requests`` is replaced by a shim whose ``post``
adds the timeout and counts every failed attempt of the request in flight (per thread); past
``retry + 1`` attempts it raises, so the task fails, its log says why, and the job ends as a failure.
Everything else (the payload, the reply parsing, the keys) is upstream's.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from opencompass.models import OpenAIExtra
from opencompass.models import openai_api as _upstream
from opencompass.registry import MODELS

_state = threading.local()


class _BoundedRequests:
    """Stands in for the ``requests`` module inside ``opencompass.models.openai_api``."""

    ConnectionError = requests.ConnectionError
    JSONDecodeError = requests.JSONDecodeError

    def __init__(self, timeout: float, attempts: int) -> None:
        self.timeout = timeout
        self.attempts = attempts

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = requests.post(url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            self._failed(f"{type(exc).__name__}: {exc}")
            raise requests.ConnectionError(str(exc)) from exc  # upstream retries this one
        if response.status_code >= 400:
            self._failed(f"HTTP {response.status_code}: {response.text[:200]}")
        else:
            _state.failures = 0
        return response

    def _failed(self, why: str) -> None:
        _state.failures = getattr(_state, "failures", 0) + 1
        if _state.failures >= self.attempts:
            _state.failures = 0
            raise RuntimeError(f"the model server did not answer after {self.attempts} attempt(s); last: {why}")


@MODELS.register_module()
class BoundedOpenAIExtra(OpenAIExtra):
    """``OpenAIExtra`` (OpenAI-compatible chat endpoint) whose requests time out and whose retries end."""

    def __init__(self, *args: Any, timeout: float = 600.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _upstream.requests = _BoundedRequests(timeout=timeout, attempts=max(1, self.retry) + 1)

    def _generate(self, input: Any, max_out_len: int, temperature: float) -> str:
        _state.failures = 0
        return super()._generate(input, max_out_len, temperature)
