"""live_code_bench grading inside the sandbox: LiveCodeBench's rules for functional and stdin tests, the verdict
recorded per answer, limits, hostile programs, pass@k over repeats."""

from __future__ import annotations

import asyncio
import json

import pytest

from evalscope.api import Answer, Sample
from evalscope.benchmarks.live_code_bench.scorer import LiveCodeScorer
from evalscope.metrics.aggregators import aggregate, resolve
from evalscope.sandbox import isolation

pytestmark = pytest.mark.skipif(isolation() is None, reason="this machine cannot make network/PID/mount namespaces")


def problem(tests: list[tuple[str, str]], fn_name: str | None = None) -> Sample:
    kind = "functional" if fn_name else "stdin"
    cases = [{"input": i, "output": o, "testtype": kind} for i, o in tests]
    return Sample(id="p", input="q", target="", metadata={
        "starter_code": "", "public_test_cases": json.dumps(cases[:1]),
        "private_test_cases": json.dumps(cases[1:]), "lcb_metadata": json.dumps({"func_name": fn_name} if fn_name else {})})


def grade(sample: Sample, *codes: str, timeout: float = 2.0):
    scorer = LiveCodeScorer(timeout=timeout)
    answers = [Answer(repeat=i, text=c, extracted=c) for i, c in enumerate(codes)]
    return asyncio.run(scorer.score(sample, answers))


TWO_SUM = problem([("[2, 7, 11, 15]\n9", "[0, 1]"), ("[3, 2, 4]\n6", "[1, 2]"), ("[3, 3]\n6", "[0, 1]")], "twoSum")
SOLUTION = """
class Solution:
    def twoSum(self, nums: List[int], target: int) -> List[int]:
        seen = {}
        for i, x in enumerate(nums):
            if target - x in seen:
                return (seen[target - x], i)   # a tuple counts as the list
            seen[x] = i
"""
SUM_LINES = problem([("3\n1 2 3\n", "6\n"), ("2\n10 -4\n", "6\n"), ("1\n7\n", "7\n")])


def test_functional_solution_passes_with_the_official_imports():
    (score,) = grade(TWO_SUM, SOLUTION)  # `List` comes from LiveCodeBench's import header
    assert score.value == {"acc": 1.0}
    assert score.metadata["live_code_bench"]["results"] == [True, True, True]
    assert score.metadata["sandbox"]["status"] == "ok"


def test_wrong_answer_stops_at_the_first_failure_and_says_where():
    wrong = SOLUTION.replace("return (seen[target - x], i)", "return [i, seen[target - x]] if x == 4 else "
                             "[seen[target - x], i]")
    (score,) = grade(TWO_SUM, wrong)
    record = score.metadata["live_code_bench"]
    assert score.value == {"acc": 0.0} and record["results"] == [True, -2] and record["error_code"] == -2
    assert record["expected"] == "[1, 2]" and record["output"] == "[2, 1]" and "test 2 of 3" in score.explanation


@pytest.mark.parametrize("code", [
    "n = int(input())\nprint(sum(map(int, input().split())))",
    "import sys\ndata = sys.stdin.read().split()\nsys.stdout.write(str(sum(map(int, data[1:]))) + '\\n')",
    "print(sum(map(int, open(0).read().split()[1:])))",  # AtCoder style: fd 0 is the input
    "import sys\nsys.stdout.buffer.write(str(sum(map(int, sys.stdin.buffer.read().split()[1:]))).encode())",
    "def main():\n    input()\n    print(sum(map(int, input().split())))\n    exit(0)\n\nif __name__ == '__main__':\n"
    "    main()",
])
def test_stdin_programs_in_every_common_style_pass(code):
    (score,) = grade(SUM_LINES, code)
    assert score.value == {"acc": 1.0}, score.metadata


def test_stdin_output_compared_by_lines_then_as_decimals():
    halves = problem([("1\n", "0.5\n"), ("3\n", "1.5 2\n")])
    assert grade(halves, "n = int(input())\nprint(f'{n / 2:.3f}', *(['2.0'] if n == 3 else []))")[0].value == {
        "acc": 1.0}  # 0.500 == 0.5 and "2.0" == "2" as decimals
    assert grade(halves, "n = int(input())\nprint(n / 2 + 1e-9)")[0].value == {"acc": 0.0}  # no tolerance
    extra = grade(SUM_LINES, "input()\nprint(sum(map(int, input().split())))\nprint()\nprint('x')")[0]
    assert extra.value == {"acc": 0.0} and "Wrong" in extra.explanation


def test_time_limit_runtime_error_and_compile_error():
    slow, crash, broken = grade(SUM_LINES, "while True:\n    pass", "raise ValueError('bad input')", "def f(:\n",
                                timeout=1.0)
    assert slow.metadata["live_code_bench"]["error_code"] == -3 and slow.value == {"acc": 0.0}
    assert crash.metadata["live_code_bench"]["error_code"] == -4 and "bad input" in crash.explanation
    assert broken.value == {"acc": 0.0} and "compile" in broken.explanation


def test_catching_everything_does_not_escape_the_time_limit():
    (score,) = grade(SUM_LINES, "while True:\n    try:\n        while True: pass\n    except BaseException:\n"
                     "        pass", timeout=1.0)
    assert score.value == {"acc": 0.0}
    assert score.metadata["sandbox"]["duration"] < 30  # the whole-run limit: (1 + 1) x 3 tests + start-up


def test_writing_a_fake_verdict_to_the_real_stdout_does_not_pass():
    from evalscope.benchmarks.live_code_bench._grader import MARK

    fake = MARK + json.dumps({"passed": True, "results": [True, True, True]})
    code = f"import os\nos.write(1, {fake!r}.encode() + b'\\n')\nprint('0')"
    (score,) = grade(SUM_LINES, code)
    assert score.value == {"acc": 0.0} and score.metadata["live_code_bench"]["results"] == [-2]


def test_no_code_block_scores_zero_without_running():
    (score,) = grade(SUM_LINES, "")
    assert score.value == {"acc": 0.0} and score.metadata["live_code_bench"]["ran"] is False


def test_hostile_programs_fail_and_cannot_reach_out(tmp_path):
    escape = tmp_path / "escaped"
    net, write, exhaust = grade(
        SUM_LINES,
        "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)",
        f"open({str(escape)!r}, 'w').write('x')\nprint(6)",
        "x = bytearray(8 << 30)",
    )
    assert net.value == write.value == exhaust.value == {"acc": 0.0}
    assert "Network is unreachable" in net.explanation or "Errno" in net.explanation
    assert "MemoryError" in exhaust.explanation
    assert not escape.exists() or escape.read_text() == ""  # the sandbox's mounts keep it inside


def test_repeats_give_pass_at_k():
    right = "input()\nprint(sum(map(int, input().split())))"
    scores = grade(SUM_LINES, right, "print(0)", "print(0)")
    values = aggregate(resolve("mean_and_pass_at_k"), [s.value for s in scores], [s.answer for s in scores])
    assert values["mean_acc"] == pytest.approx(1 / 3)
    assert values["mean_acc_pass@1"] == pytest.approx(1 / 3) and values["mean_acc_pass@2"] == pytest.approx(2 / 3)
    assert values["mean_acc_pass@3"] == 1.0
