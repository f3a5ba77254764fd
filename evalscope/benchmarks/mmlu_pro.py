"""MMLU-Pro (Wang et al., 2024): 12,032 harder MMLU-style questions with up to ten options, 14 subjects.

Source: HF/ModelScope ``TIGER-Lab/MMLU-Pro`` (EvalScope's id): splits ``test`` and ``validation`` (70 rows, 5 per
subject, with chain-of-thought answers); rows ``question_id``, ``question``, ``options``, ``answer`` (a letter),
``cot_content``, ``category``. Local ``test.jsonl``/``validation.jsonl`` or the hub's ``data/<split>-*.parquet``,
split by ``category`` into EvalScope's 14 subsets. 5-shot from ``validation`` of the same subject with its CoT
answers, EvalScope's prompts; ``acc`` = exact match of the extracted letter.

Official number: none reproduced here (no reference outputs at hand); parsing, few-shot and extraction are tested
on rows in the hub's format (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import LETTERS, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register

SUBSETS = ("computer science", "math", "chemistry", "engineering", "law", "biology", "health", "physics",
           "business", "philosophy", "economics", "other", "psychology", "history")
PROMPT = ("Answer the following multiple choice question. The last line of your response should be of the following "
          "format: 'ANSWER: [LETTER]' (without quotes) where [LETTER] is one of {letters}. Think step by step "
          "before answering.\n\nQuestion:\n{query}\nOptions:\n{choices}\n")
FEW_SHOT_HEADER = ("The following are multiple choice questions (with answers) about {subject}. Think step by step "
                   "and then finish your answer with 'ANSWER: [LETTER]' (without quotes) where [LETTER] is the "
                   "correct letter choice.\n\n")


@register("benchmark", "mmlu_pro")
class MMLUPro(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="mmlu_pro",
        pretty_name="MMLU-Pro",
        tags=("MCQ", "Knowledge"),
        dataset_id="TIGER-Lab/MMLU-Pro",
        hf_dataset_id="TIGER-Lab/MMLU-Pro",
        subsets_from_column=True,
        subsets=SUBSETS,
        single_subset_files=True,
        eval_split="test",
        train_split="validation",
        few_shot_num=5,
        max_few_shot_num=5,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=PROMPT,
    )

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        return str(record.get("category", "")).lower() == subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return mcq_sample(index, str(record["question"]), list(record["options"]), str(record["answer"]),
                          record_id=record.get("question_id"), cot_content=record.get("cot_content") or "",
                          subject=str(record["category"]).lower())

    def format_few_shot(self, sample: Sample) -> str:
        options = "\n".join(f"{LETTERS[i]} {c}" for i, c in enumerate(sample.choices or []))
        answer = str(sample.metadata.get("cot_content") or "").replace("The answer is", "ANSWER:")
        answer = re.sub(r"ANSWER:\s*\(([A-J])\)", r"ANSWER: \1", answer)
        return f"Question:\n{sample.input_text}\nOptions:\n{options}\n{answer}"

    def few_shot_prefix(self, examples: list[Sample]) -> str:
        if not examples:
            return ""
        subject = examples[0].metadata.get("subject", "")
        return FEW_SHOT_HEADER.format(subject=subject) + "".join(self.format_few_shot(e) + "\n\n" for e in examples)
