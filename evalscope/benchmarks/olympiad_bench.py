"""OlympiadBench (He et al., 2024), its text-only open-ended subsets (``OE_TO_*``): olympiad-level maths and
physics problems in English and Chinese with a checkable final answer.

Source: EvalScope's ``AI-ModelScope/OlympiadBench`` (HF ``Hothan/OlympiadBench``); one config per subset, split
``train``; rows ``id``, ``question``, ``final_answer`` (a list), ``language``, ``subject``, ``answer_type``,
``is_multiple_answer``, ``unit``. Local layout ``<subset>_train.jsonl`` or ``<subset>/train-*.parquet``. The prompt
is the paper's (EvalScope's) open-ended one ("... So the final answer is \\boxed{answer}."); ``acc`` is math-verify
equivalence of the last ``\\boxed{}`` to the first final answer (all of them, comma-joined, for multi-answer rows).
The multimodal (``OE_MM_*``) and theorem-proving (``TP_*``) subsets are not scored here: they need images or a
judge.

Official number: none published for reference outputs; extraction and equivalence are the shared math ones.
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.math_base import MATH_META, MathBenchmark
from evalscope.registry import register

SUBSETS = ("OE_TO_maths_en_COMP", "OE_TO_maths_zh_CEE", "OE_TO_maths_zh_COMP", "OE_TO_physics_en_COMP",
           "OE_TO_physics_zh_CEE")
UNIT_NOTE_ZH = "，注意答案的单位不要放在\\boxed{}中"
UNIT_NOTE_EN = ", note that the unit of the answer should not be included in \\boxed{}"


def olympiad_prompt(record: dict[str, Any]) -> str:
    """The open-ended prompt of OlympiadBench for one row (language, subject, answer type and unit)."""
    chinese = record.get("language") == "Chinese"
    maths = record.get("subject", "Math") == "Math"
    multiple, unit = bool(record.get("is_multiple_answer")), bool(record.get("unit"))
    answer_type = str(record.get("answer_type") or "")
    if chinese:
        box = "\\boxed{用英文逗号连接的多个答案}" if multiple else "\\boxed{答案}"
        kind = f"，答案类型为{answer_type}" if answer_type and not multiple else ""
        head = (f"以下是中国{'数学' if maths else '物理'}竞赛中的解答题{kind}。请根据题目的要求和所提供的信息计算得出答案。"
                f"解答过程和结果中使用的变量和公式请使用LaTeX格式表示。请在最后以\"所以最终答案是{box}"
                f"{'(单位)' if unit else ''}。\"显式给出结果{UNIT_NOTE_ZH if unit else ''}。")
        tail = "\n请通过逐步推理来解答问题，并把最终答案放置于\\boxed{}中。"
    else:
        box = "\\boxed{multiple answers connected with commas}" if multiple else "\\boxed{answer}"
        kind = f"The answer of The problem should be {answer_type}. " if answer_type and not multiple else ""
        head = (f"The following is an open-ended problem from an International {'Math' if maths else 'Physics'} "
                f"competition. {kind}Please calculate the answer according to the given requirements and the "
                "information provided. Please use LaTeX format to represent the variables and formulas used in the "
                f"solution process and results. Please end your solution with \"So the final answer is {box}"
                f"{'(unit)' if unit else ''}.\" and give the result explicitly"
                f"{UNIT_NOTE_EN if unit else ''}.")
        tail = "\nPlease reason step by step, and put your final answer within \\boxed{}."
    return f"{head}\n{record['question']}\n{tail}"


@register("benchmark", "olympiad_bench")
class OlympiadBench(MathBenchmark):
    meta = BenchmarkMeta(
        name="olympiad_bench",
        pretty_name="OlympiadBench",
        dataset_id="AI-ModelScope/OlympiadBench",
        hf_dataset_id="Hothan/OlympiadBench",
        subsets=SUBSETS,
        eval_split="train",
        prompt_template="{query}",
        **MATH_META,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answers = record.get("final_answer") or []
        if isinstance(answers, str):
            answers = [answers]
        if not answers:
            raise ValueError("it has no final_answer")
        answers = [str(a).strip().strip("$") for a in answers]
        target = ",".join(answers) if record.get("is_multiple_answer") else answers[0]
        return Sample(id=str(record.get("id", index)), input=olympiad_prompt(record), target=target,
                      metadata={k: record.get(k) for k in ("language", "subject", "answer_type", "unit")})
