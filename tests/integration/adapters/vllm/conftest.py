"""The processes these tests start take Ctrl-C (SIGINT) as from a terminal, even when pytest itself runs in a
background job of a script: such a job ignores SIGINT and its children inherit that, so the signal tests'
`evalscope` would rightly ignore it too. A handler set here (not an ignore) is reset to the default at exec."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture(autouse=True)
def _sigint_reaches_started_processes():
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
