"""LiveCodeBench's test runner, run inside ``evalscope.sandbox`` (stdlib only; the parent reads only its path, MARK).

The scorer sends this file's source followed by ``main(<job>)``, the job a string literal holding the JSON of
``{code, inputs, outputs, fn_name, timeout}`` (a literal parses faster than compressed data unpacks). It writes one line, ``MARK + JSON`` of the verdict, on a copy of the
original stdout made before the program runs; the program's own fd 1 is a file (stdio tests) or ``/dev/null``.

The grading follows LiveCodeBench's ``testing_util``: the official import header is put before the code; tests run
in order and stop at the first failure; codes ``-2`` wrong answer, ``-3`` time limit (``timeout`` seconds per test,
by ``SIGALRM``), ``-4`` runtime error. *Functional* tests (``fn_name`` set, LeetCode): the code is executed once as a
module (``__name__ != "__main__"``), ``Solution().<fn_name>`` (or the module's function) is called with each input
line parsed as JSON, a tuple result counts as a list, and it must equal the JSON of the output. *Stdin* tests: for
each test the code runs afresh as ``__main__`` with fd 0 reading the input (so ``input()``, ``sys.stdin`` and
``open(0)`` all work) and fd 1 writing to a file; the output matches when, stripped and split into lines each
stripped, it has as many lines and each line is equal or equal as a list of ``Decimal`` numbers. Where LiveCodeBench
wraps a stdin program in a function (so its top-level names become locals) this runs it as a script, as the
judges do. What it cannot stop: the program runs in this process, so code written to fool the grader (writing a
verdict line to another descriptor) could; the sandbox bounds what it can do to the machine, not to its score.
"""

import builtins
import io
import json
import os
import signal
import sys
import time
from decimal import Decimal, InvalidOperation

MARK = "@@evalscope-lcb-verdict@@"
PRELUDE = (
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\n"
    "from bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\n"
    "from itertools import *\nfrom functools import *\nfrom operator import *\nfrom io import *\nfrom sys import *\n"
    "from json import *\nfrom builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\n"
    "import collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\nimport statistics\n"
    "import itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\n"
    "sys.setrecursionlimit(50000)\n"
)
WRONG, TIME_LIMIT, RUNTIME = -2, -3, -4


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` in the program does not swallow it."""


def _alarm(signum, frame):
    raise _Timeout()


def _cut(value, length=300):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= length else text[: length // 2] + "...(truncated)..." + text[-length // 2:]


def _timed(fn, timeout):
    """(outcome, value): outcome None when ``fn()`` returned, else TIME_LIMIT or RUNTIME (value: the error)."""
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            return None, fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        return TIME_LIMIT, "Time Limit Exceeded"
    except SystemExit:
        return None, None
    except BaseException as exc:  # noqa: BLE001 - whatever the program raised is its runtime error
        return RUNTIME, repr(exc)


def _lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line):
    try:
        return [Decimal(x) for x in line.split()]
    except (InvalidOperation, ValueError):
        return None


def stdio_match(got, expected):
    """LiveCodeBench's comparison of a program's output with the expected one."""
    a, b = _lines(got), _lines(expected)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x != y:
            dx, dy = _decimals(x), _decimals(y)
            if dx is None or dy is None or dx != dy:
                return False
    return True


def _failure(results, code, message, inputs, expected, output=None):
    info = {"error_code": code, "error_message": message, "inputs": _cut(inputs), "expected": _cut(expected)}
    if output is not None:
        info["output"] = _cut(output)
    results.append(code)
    return {"passed": False, "results": results, **info}


def grade_functional(compiled, code, inputs, outputs, fn_name, timeout):
    module = {"__name__": "solution", "__builtins__": builtins}
    outcome, error = _timed(lambda: exec(compiled, module), timeout)
    if outcome is not None:
        return {"passed": False, "results": [RUNTIME], "error_code": RUNTIME, "error_message": f"at import: {error}"}
    target = module.get("Solution")
    try:
        method = getattr(target(), fn_name) if "class Solution" in code and target else module[fn_name]
    except Exception as exc:  # noqa: BLE001
        return {"passed": False, "results": [RUNTIME], "error_code": RUNTIME,
                "error_message": f"no function {fn_name!r}: {exc!r}"}
    results = []
    for raw_in, raw_out in zip(inputs, outputs):
        args = [json.loads(line) for line in raw_in.split("\n")]
        expected = json.loads(raw_out)
        outcome, got = _timed(lambda args=args: method(*args), timeout)
        if outcome is not None:
            return _failure(results, outcome, got, args, expected)
        if isinstance(got, tuple):
            got = list(got)
        if got != expected:
            return _failure(results, WRONG, "Wrong Answer", args, expected, got)
        results.append(True)
    return {"passed": True, "results": results}


def _onto(fd, target):
    """Make ``target`` the file opened as ``fd`` (which is ``target`` itself when the program closed it)."""
    if fd != target:
        os.dup2(fd, target)
        os.close(fd)


def _run_script(compiled, raw_in, timeout):
    with open("stdin.txt", "wb") as f:
        f.write(raw_in.encode("utf-8"))
    _onto(os.open("stdin.txt", os.O_RDONLY), 0)
    _onto(os.open("stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    outcome, error = _timed(lambda: exec(compiled, {"__name__": "__main__", "__builtins__": builtins}), timeout)
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - a closed or broken stdout: what reached the file counts
        pass
    with open("stdout.txt", "rb") as f:
        return outcome, error, f.read().decode("utf-8", "replace")


def grade_stdio(compiled, inputs, outputs, timeout):
    results = []
    for raw_in, raw_out in zip(inputs, outputs):
        outcome, error, got = _run_script(compiled, raw_in, timeout)
        if outcome is not None:
            return _failure(results, outcome, error, raw_in, raw_out)
        if not stdio_match(got, raw_out):
            return _failure(results, WRONG, "Wrong Answer", raw_in, raw_out, got)
        results.append(True)
    return {"passed": True, "results": results}


def grade(job):
    code = job["code"]
    try:
        compiled = compile(PRELUDE + "\n" + code, "<solution>", "exec")
    except (SyntaxError, ValueError) as exc:
        return {"passed": False, "results": [RUNTIME], "error_code": RUNTIME, "error_message": f"compile: {exc!r}"}
    started = time.monotonic()
    if job.get("fn_name"):
        verdict = grade_functional(compiled, code, job["inputs"], job["outputs"], job["fn_name"], job["timeout"])
    else:
        verdict = grade_stdio(compiled, job["inputs"], job["outputs"], job["timeout"])
    verdict["seconds"] = round(time.monotonic() - started, 3)
    return verdict


def main(job_json):
    job = json.loads(job_json)
    signal.signal(signal.SIGALRM, _alarm)
    if hasattr(signal, "SIGXFSZ"):  # a too-large output file is the program's runtime error, not a killed grader
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    verdict_fd = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    verdict = grade(job)
    data = (MARK + json.dumps(verdict) + "\n").encode("utf-8")
    while data:
        data = data[os.write(verdict_fd, data):]
    os._exit(0)  # the program's threads and exit handlers do not run on
