"""live_code_bench data: release subsets, the official release files, contest-date windows, test cases decoded
without running a pickle, prompts and code extraction as LiveCodeBench's."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.live_code_bench import SYSTEM, extract_code, format_prompt
from evalscope.benchmarks.live_code_bench import data as lcb
from evalscope.config import load_task
from evalscope.display import NullDisplay
from evalscope.errors import ConfigError, DatasetError
from evalscope.native.engine import BenchmarkRun
from evalscope.run_dir import RunDir

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks" / "live_code_bench"


def encode(value) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(value))).decode()


def row(qid: str, day: str, **extra) -> dict:
    return {"question_title": qid, "question_content": f"Problem {qid}", "platform": "atcoder", "question_id": qid,
            "contest_id": "abc", "contest_date": f"{day}T00:00:00", "starter_code": "", "difficulty": "easy",
            "public_test_cases": json.dumps([{"input": "1\n", "output": "1\n", "testtype": "stdin"}]),
            "private_test_cases": encode(json.dumps([{"input": "2\n", "output": "2\n", "testtype": "stdin"}])),
            "metadata": "{}", **extra}


def write_release(root: Path, name: str, rows: list[dict]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def plan(local_path: Path, **args):
    task = load_task({"datasets": ["live_code_bench"], "work_dir": str(local_path.parent / "out"),
                      "dataset_args": {"live_code_bench": {"local_path": str(local_path), **args}}})
    benchmark = get_benchmark("live_code_bench", task)
    run = BenchmarkRun(benchmark, task, model=None, run_dir=RunDir(local_path.parent / "run"), display=NullDisplay())
    return {p.name: [s.id for s in p.samples] for p in run.plan()}


@pytest.mark.parametrize("subset, versions", [
    ("release_latest", ["v1", "v2", "v3", "v4", "v5", "v6"]), ("release_v1", ["v1"]),
    ("release_v3", ["v1", "v2", "v3"]), ("v4", ["v4"]), ("v2_v5", ["v2", "v3", "v4", "v5"]), ("v6", ["v6"]),
])
def test_subsets_name_releases(subset, versions):
    assert lcb.versions_of(subset) == versions


def test_every_evalscope_subset_is_known_and_bad_ones_are_not():
    assert len(lcb.SUBSETS) == 28 and all(lcb.versions_of(s) for s in lcb.SUBSETS)
    for bad in ("v7", "release_v0", "v3_v2", "latest"):
        with pytest.raises(ValueError, match="unknown LiveCodeBench subset"):
            lcb.versions_of(bad)


@pytest.fixture()
def releases(tmp_path) -> Path:
    root = tmp_path / "code_generation_lite"
    write_release(root, "test.jsonl", [row("a1", "2023-05-07"), row("a2", "2023-09-30")])
    write_release(root, "test2.jsonl", [row("b1", "2024-04-13")])
    write_release(root, "test3.jsonl", [row("c1", "2024-06-29"), row("c2", "2024-07-20")])
    return root


def test_release_files_compose_the_subsets(releases):
    got = plan(releases, subset_list=["release_v2", "v3", "v1_v3", "release_latest"])
    assert got == {"release_v2": ["a1", "a2", "b1"], "v3": ["c1", "c2"], "v1_v3": ["a1", "a2", "b1", "c1", "c2"],
                   "release_latest": ["a1", "a2", "b1", "c1", "c2"]}
    assert plan(releases) == {"release_latest": ["a1", "a2", "b1", "c1", "c2"]}  # the default subset


def test_a_missing_release_file_is_named(releases):
    with pytest.raises((DatasetError, FileNotFoundError), match="test4.jsonl"):
        plan(releases, subset_list=["release_v4"])


def test_contest_dates_filter_inclusively(releases):
    window = {"start_date": "2023-09-30", "end_date": "2024-06-29"}
    assert plan(releases, extra_params=window) == {"release_latest": ["a2", "b1", "c1"]}
    assert plan(releases, extra_params={"start_date": "2024-07-01"}) == {"release_latest": ["c2"]}


def test_a_row_without_a_contest_date_is_named_when_filtering(tmp_path):
    root = tmp_path / "lcb"
    write_release(root, "test.jsonl", [row("a1", "2023-05-07"), {**row("bad", "x"), "contest_date": "soon"}])
    assert plan(root) == {"release_latest": ["a1", "bad"]}  # no window: the date is not read
    with pytest.raises(DatasetError, match="'bad' has no ISO contest_date"):
        plan(root, extra_params={"end_date": "2024-01-01"})


@pytest.mark.parametrize("args, message", [
    ({"extra_params": {"start_date": "2024/01/01"}}, "not a date YYYY-MM-DD"),
    ({"extra_params": {"start_date": "2024-05-01", "end_date": "2024-01-01"}}, "after end_date"),
    ({"extra_params": {"start_dte": "2024-01-01"}}, "unknown key"),
    ({"subset_list": ["v7"]}, "unknown LiveCodeBench subset"),
])
def test_bad_settings_are_config_errors(releases, args, message):
    with pytest.raises(ConfigError, match=message):
        plan(releases, **args)


def test_hub_folder_per_subset_in_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "lcb_parquet" / "v5"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([row("p1", "2024-10-05"), row("p2", "2025-01-04")]),
                   folder / "test-00000-of-00001.parquet")
    assert plan(tmp_path / "lcb_parquet", subset_list=["v5"]) == {"v5": ["p1", "p2"]}


def test_private_tests_decode_from_the_hub_encoding():
    cases = [{"input": "3\n", "output": "6\n", "testtype": "stdin"}]
    assert lcb.decode_private(encode(json.dumps(cases))) == cases
    assert lcb.decode_private(json.dumps(cases)) == cases  # plain JSON, as some copies store it
    got = lcb.tests_of(json.dumps([{"input": "1", "output": "2", "testtype": "functional"}]), encode(json.dumps(
        [{"input": "5", "output": "10", "testtype": "functional"}])), json.dumps({"func_name": "double"}))
    assert got == {"inputs": ["1", "5"], "outputs": ["2", "10"], "fn_name": "double"}


class Boom:
    """A pickle of this calls os.system when loaded by a plain ``pickle.loads``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    hostile = encode(Boom(marker))
    with pytest.raises(lcb.TestCaseError, match="refused: the pickle names"):
        lcb.decode_private(hostile)
    assert not marker.exists()
    with pytest.raises(lcb.TestCaseError, match="refused"):
        lcb.decode_private(encode(Path("/etc/passwd")))  # any class, harmless or not, is refused


def test_undecodable_and_oversized_tests_are_errors(monkeypatch):
    with pytest.raises(lcb.TestCaseError):
        lcb.decode_private("not base64 and not json")
    with pytest.raises(lcb.TestCaseError, match="list of"):
        lcb.decode_private(encode(json.dumps({"input": "1"})))
    monkeypatch.setattr(lcb, "MAX_TESTS_BYTES", 1000)
    with pytest.raises(lcb.TestCaseError, match="inflate to more than 1000"):
        lcb.decode_private(encode("x" * 100_000))


def test_prompt_is_livecodebench_s(releases):
    task = load_task({"datasets": ["live_code_bench"],
                      "dataset_args": {"live_code_bench": {"local_path": str(FIXTURE)}}})
    benchmark = get_benchmark("live_code_bench", task)
    run = BenchmarkRun(benchmark, task, model=None, run_dir=RunDir(releases.parent / "r"), display=NullDisplay())
    (plan_,) = run.plan()
    by_id = {s.id: s for s in plan_.samples}
    system, user = benchmark.build_messages(by_id["2812"], [])
    assert system.text == SYSTEM
    assert user.text == ("### Question:\n" + by_id["2812"].input_text + "\n\n### Format: You will use the following "
                         "starter code to write the solution to the problem and enclose your code within delimiters."
                         "\n```python\nclass Solution:\n    def theMaximumAchievableX(self, num: int, t: int) -> int:"
                         "\n        \n```\n\n ### Answer: (use the provided format with backticks)\n\n")
    assert format_prompt("") == ("### Format: Read the inputs from stdin solve the problem and write the answer to "
                                 "stdout (do not directly test on the sample inputs). Enclose your code within "
                                 "delimiters as follows.\n```python\n# YOUR CODE HERE\n```\n\n")


def test_code_is_between_the_last_two_fence_lines():
    assert extract_code("Plan:\n```python\nx = 1\n```\nFinal:\n```python\nprint(2)\n```\nDone") == "print(2)"
    assert extract_code("```\nprint(1)\n```") == "print(1)"
    assert extract_code("```python\nprint(1)") == ""  # cut off: LiveCodeBench scores it empty
    assert extract_code("print(1)") == ""
