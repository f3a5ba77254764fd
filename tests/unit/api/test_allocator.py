"""glibc's malloc tuned for big short-lived buffers: after ``keep_freed_memory`` a request-sized buffer made and
freed again and again reuses memory, where glibc's defaults fault in fresh pages every time (counted by the
kernel's minor page faults of a fresh process)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from evalscope.api.allocator import keep_freed_memory

CHURN = """
import resource, sys
from evalscope.api.allocator import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tuned" else False
payload = b"x" * 700_000
for _ in range(20):  # warm up
    s = payload.decode("ascii"); t = f"data:image/png;base64,{s}"; u = t.encode()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):  # a data: URI and its body per request, as the image path makes them
    s = payload.decode("ascii"); t = f"data:image/png;base64,{s}"; u = t.encode()
    del s, t, u
print(tuned, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 200)
"""


def faults_per_request(mode: str) -> tuple[bool, float]:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True).stdout
    tuned, faults = out.split()
    return tuned == "True", float(faults)


@pytest.mark.skipif(not (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"),
                    reason="the tuning is glibc's (elsewhere keep_freed_memory does nothing)")
def test_freed_big_buffers_are_reused_instead_of_faulted_in_again():
    assert keep_freed_memory() is True and keep_freed_memory() is True  # once per process, then the same answer
    default, tuned = faults_per_request("default"), faults_per_request("tuned")
    assert default[0] is False and tuned[0] is True
    assert tuned[1] < 10 < 100 < default[1], (default, tuned)  # ~500 fresh pages per request by default
