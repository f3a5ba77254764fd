"""MBPP (Austin et al. 2021, "Program Synthesis with Large Language Models"): 500 test problems of basic Python,
each with three ``assert`` tests; the answer runs with the tests in ``evalscope.sandbox``; ``acc`` per sample,
pass@k over ``repeats``.

Source: HF ``google-research-datasets/mbpp`` config ``full`` (fields ``task_id, text, code, test_list,
test_setup_code, challenge_test_list``), splits train/test/validation/prompt; few-shot examples (3 by default,
as in the paper) come from the ``prompt`` split. Program run: ``test_setup_code + code + tests`` (the paper's
check). Parity: the reference ``code`` of every row passes its tests through this scorer.
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.humaneval import LIMITS, extract_code
from evalscope.registry import register

PROMPT = ("You are an expert Python programmer, and here is your task: {query}\n"
          "Your code should pass these tests:\n\n{tests}\n"
          "Write the code in a ```python``` block.")


def mbpp_program(sample: Sample, code: str) -> str:
    meta = sample.metadata
    return f"{meta.get('test_setup_code') or ''}\n{code}\n\n" + "\n".join(meta["test_list"]) + "\n"


@register("benchmark", "mbpp")
class MBPP(Benchmark):
    meta = BenchmarkMeta(
        name="mbpp",
        pretty_name="MBPP",
        tags=("Coding",),
        dataset_id="google-research-datasets/mbpp",
        hf_dataset_id="google-research-datasets/mbpp",
        subsets=("full",),
        single_subset_files=True,
        eval_split="test",
        train_split="prompt",
        few_shot_num=3,
        metric_list=("acc",),
        aggregation="mean_and_pass_at_k",
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        tests = [str(t) for t in record["test_list"]]
        return Sample(id=str(record.get("task_id", index)), input=str(record["text"]), target=str(record["code"]),
                      metadata={"test_list": tests, "test_setup_code": str(record.get("test_setup_code") or "")})

    def format_query(self, sample: Sample) -> str:
        return self.prompt_template.format(query=sample.input_text, tests="\n".join(sample.metadata["test_list"]))

    def format_few_shot(self, sample: Sample) -> str:
        return f"{self.format_query(sample)}\n```python\n{sample.target_text.strip()}\n```"

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_code(prediction)

    def scorers(self) -> list:
        from evalscope.sandbox.scorer import ExecutionScorer

        return [ExecutionScorer(mbpp_program, LIMITS)]
