"""LiveCodeBench code generation (Jain et al. 2024, "LiveCodeBench: Holistic and Contamination Free Evaluation of
Large Language Models for Code"): competitive-programming problems from LeetCode, AtCoder and Codeforces, released
in versions (v1: 400 problems May 2023 - Mar 2024, ..., v6: 1,055 in all up to Apr 2025), each with a contest date
so that problems older than a model can be left out. ``acc`` per answer (every test passes), pass@k over
``repeats`` (aggregation ``mean_and_pass_at_k``; EvalScope's primary number is pass@1).

Source: github.com/LiveCodeBench/LiveCodeBench (HF ``livecodebench/code_generation_lite``; EvalScope
``evalscope/livecodebench_code_generation_lite_parquet``). Fields: ``question_title, question_content, platform,
question_id, contest_id, contest_date, starter_code, difficulty, public_test_cases, private_test_cases, metadata``
(``func_name`` for LeetCode's functional tests). Subsets as EvalScope: ``release_latest``, ``release_v1`` ..
``release_v6`` (v1..vN), ``v1`` .. ``v6`` (one release's new problems) and ``vX_vY``; the default is
``release_latest``. Local layouts: the official repo's release files (``test.jsonl`` = v1, ``test2.jsonl`` = v2,
... ``test6.jsonl``) in one folder, from which every subset is composed, or one folder per subset in the hub
layouts (``<subset>/test.jsonl``, ``<subset>/test-00000-of-0000N.parquet``), or a single file.
``extra_params``: ``start_date`` / ``end_date`` (``YYYY-MM-DD``, inclusive, on ``contest_date``, as EvalScope),
``timeout`` (seconds per test, 6 as EvalScope), ``debug`` (log every verdict).

Prompt: LiveCodeBench's generic system message and its ``### Question`` / ``### Format`` user message (the starter
code, or stdin/stdout instructions), EvalScope's template. The code is the text between the last two lines holding
triple backticks (LiveCodeBench's extraction). Tests run only inside ``evalscope.sandbox`` (``scorer.py``; the test
runner ``_grader.py`` follows LiveCodeBench's ``testing_util``). Published pass@1 (DeepSeek-R1 report, problems
2024-08 .. 2025-01, CoT): DeepSeek-R1 65.9, OpenAI o1-1217 63.4, o1-mini 53.8, GPT-4o-0513 34.2, Claude-3.5-Sonnet-1022
33.8. No parity test: the official runner's per-problem verdicts are not published; the runner's rules are
unit-tested on LiveCodeBench-shaped problems instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.live_code_bench.data import SUBSETS, in_window, parse_day, release_files, versions_of
from evalscope.errors import DatasetError
from evalscope.registry import register

SYSTEM = ("You are an expert Python programmer. You will be given a question (problem specification) and will "
          "generate a correct Python program that matches the specification and passes all tests. You will NOT "
          "return anything except for the program.")
WITH_STARTER = ("You will use the following starter code to write the solution to the problem and enclose your code "
                "within delimiters.")
WITHOUT_STARTER = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test "
                   "on the sample inputs). Enclose your code within delimiters as follows.")
PROMPT = "### Question:\n{question_content}\n\n{format_prompt} ### Answer: (use the provided format with backticks)\n\n"


def format_prompt(starter_code: str) -> str:
    """The ``### Format`` part: the starter code to complete, or the stdin/stdout instructions."""
    if starter_code:
        return f"### Format: {WITH_STARTER}\n```python\n{starter_code}\n```\n\n"
    return f"### Format: {WITHOUT_STARTER}\n```python\n# YOUR CODE HERE\n```\n\n"


def extract_code(text: str) -> str:
    """The lines between the last two lines that hold triple backticks; ``""`` when there are fewer than two."""
    lines = text.split("\n")
    fences = [i for i, line in enumerate(lines) if "```" in line]
    if len(fences) < 2:
        return ""
    return "\n".join(lines[fences[-2] + 1: fences[-1]])


@register("benchmark", "live_code_bench")
class LiveCodeBench(Benchmark):
    meta = BenchmarkMeta(
        name="live_code_bench",
        pretty_name="Live-Code-Bench",
        tags=("Coding",),
        dataset_id="evalscope/livecodebench_code_generation_lite_parquet",
        hf_dataset_id="livecodebench/code_generation_lite",
        subsets=SUBSETS,
        eval_split="test",
        metric_list=("acc",),
        aggregation="mean_and_pass_at_k",
        prompt_template=PROMPT,
        system_prompt=SYSTEM,
        extra_params={"start_date": None, "end_date": None, "timeout": 6, "debug": False},
    )

    def __init__(self, args: Any, seed: Optional[int] = 42) -> None:
        super().__init__(args, seed)
        for subset in self.subsets:
            versions_of(subset)  # an unknown subset is a config error before anything loads
        self.start = parse_day(self.extra("start_date"), "start_date")
        self.end = parse_day(self.extra("end_date"), "end_date")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"extra_params: start_date {self.start} is after end_date {self.end}")
        if not float(self.extra("timeout")) > 0:
            raise ValueError("extra_params.timeout: seconds per test must be more than 0")

    @property
    def subsets(self) -> list[str]:
        return list(self.args.subset_list or ["release_latest"])

    def local_files(self, root: Path, subset: str, split: str) -> Optional[list[Path]]:
        return release_files(root, subset)

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        if self.start is None and self.end is None:
            return True
        try:
            return in_window(record["contest_date"], self.start, self.end)
        except (KeyError, TypeError, ValueError):
            raise DatasetError(f"live_code_bench: problem {record.get('question_id')!r} has no ISO contest_date "
                               f"({record.get('contest_date')!r}), which start_date/end_date filter on") from None

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        starter = str(record.get("starter_code") or "")
        return Sample(
            id=str(record.get("question_id", index)), input=str(record["question_content"]), target="",
            metadata={"starter_code": starter, "contest_date": str(record["contest_date"]),
                      "platform": str(record.get("platform", "")), "difficulty": str(record.get("difficulty", "")),
                      "public_test_cases": str(record["public_test_cases"]),
                      "private_test_cases": str(record.get("private_test_cases") or ""),
                      "lcb_metadata": record.get("metadata") or "{}"})

    def format_query(self, sample: Sample) -> str:
        return self.prompt_template.format(question_content=sample.input_text, query=sample.input_text,
                                           format_prompt=format_prompt(sample.metadata["starter_code"]))

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_code(prediction)

    def scorers(self) -> list:
        from evalscope.benchmarks.live_code_bench.scorer import LiveCodeScorer

        return [LiveCodeScorer(timeout=float(self.extra("timeout")), debug=bool(self.extra("debug")))]
