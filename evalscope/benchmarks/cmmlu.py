"""CMMLU (Li et al., 2023): 11,528 Chinese multiple-choice questions over 67 subjects in five categories.

Source: EvalScope's ``evalscope/cmmlu`` (from HF ``haonan-li/cmmlu``): splits ``test`` and ``dev`` (5 per subject);
rows ``question``, ``choices`` (``"(A) ..."``), ``answer`` (``"(B)"`` or ``"B"``), ``category`` (the subject), in
one file per split (``test.jsonl``, ``dev.jsonl``) split by ``category`` into the 67 subsets; per-subject files
(``<subject>_test.jsonl``, rows without ``category``) are read too. EvalScope's Chinese chain-of-thought prompt,
0-shot by default (few-shot from ``dev`` as ``问题：/选项：/答案：``); ``acc`` = exact match of the letter; subjects
reported under CMMLU's categories.

Official number: none reproduced here (no reference outputs at hand); parsing and extraction are tested on
EvalScope's published sample row (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE_ZH, MultipleChoiceBenchmark, format_choices, mcq_sample
from evalscope.registry import register

CATEGORIES = {
    "Other": (
        "agronomy", "clinical_knowledge", "college_medicine", "computer_security",
        "elementary_information_and_technology", "food_science", "human_sexuality", "legal_and_moral_basis",
        "nutrition", "professional_medicine", "sports_science",
    ),
    "STEM": (
        "anatomy", "astronomy", "college_actuarial_science", "college_engineering_hydrology", "college_mathematics",
        "college_medical_statistics", "computer_science", "conceptual_physics", "electrical_engineering",
        "elementary_mathematics", "genetics", "high_school_biology", "high_school_chemistry",
        "high_school_mathematics", "high_school_physics", "machine_learning", "virology",
    ),
    "China specific": (
        "ancient_chinese", "chinese_civil_service_exam", "chinese_driving_rule", "chinese_food_culture",
        "chinese_foreign_policy", "chinese_history", "chinese_literature", "chinese_teacher_qualification",
        "construction_project_management", "elementary_chinese", "elementary_commonsense", "ethnology",
        "high_school_politics", "modern_chinese", "traditional_chinese_medicine",
    ),
    "Humanities": (
        "arts", "college_law", "global_facts", "international_law", "jurisprudence", "logical", "marxist_theory",
        "philosophy", "professional_law", "world_history", "world_religions",
    ),
    "Social Science": (
        "business_ethics", "college_education", "economics", "education", "high_school_geography", "journalism",
        "management", "marketing", "professional_accounting", "professional_psychology", "public_relations",
        "security_study", "sociology",
    ),
}
SUBJECTS = tuple(sorted(s for subjects in CATEGORIES.values() for s in subjects))


@register("benchmark", "cmmlu")
class CMMLU(MultipleChoiceBenchmark):
    chinese = True
    meta = BenchmarkMeta(
        name="cmmlu",
        pretty_name="C-MMLU",
        tags=("Knowledge", "MCQ", "Chinese"),
        dataset_id="evalscope/cmmlu",
        hf_dataset_id="haonan-li/cmmlu",
        subsets=SUBJECTS,
        subset_categories={s: (c,) for c, subjects in CATEGORIES.items() for s in subjects},
        single_subset_files=True,
        eval_split="test",
        train_split="dev",
        few_shot_num=0,
        max_few_shot_num=5,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE_ZH,
    )

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        return str(record.get("category", subset)) == subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        choices = [re.sub(r"^\([A-Z]\)\s*", "", str(c)).strip() for c in record["choices"]]
        answer = str(record["answer"]).strip().strip("()")
        return mcq_sample(index, str(record["question"]), choices, answer, record_id=record.get("id"),
                          subject=subset)

    def format_few_shot(self, sample: Sample) -> str:
        return f"问题：{sample.input_text}\n选项：\n{format_choices(sample.choices or [])}\n答案：{sample.target_text}"
