"""Chinese SimpleQA (He et al. 2024): 3,000 short factual questions in Chinese over 6 primary categories, graded
CORRECT / INCORRECT / NOT_ATTEMPTED by an LLM judge; metrics ``is_correct``, ``is_incorrect``,
``is_not_attempted`` (EvalScope's names).

Source: github.com/OpenStellarTeam/ChineseSimpleQA (HF ``OpenStellarTeam/Chinese-SimpleQA``, EvalScope
``AI-ModelScope/Chinese-SimpleQA``; fields ``id, primary_category, secondary_category, question, answer, urls``).
The judge prompt follows the official grader's three grades (A/B/C) in our own words, in Chinese; the category is
kept per sample (``metadata.primary_category``). Official numbers (the paper, o1-preview judge-graded): 63.8%
correct for o1-preview, 59.3% for Doubao-pro-32k; comparable only with the same judge.
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.simple_qa import METRICS, SimpleQAJudge
from evalscope.registry import register

GRADER_ZH = """请根据问题、标准答案和模型的预测答案，给预测答案评级，只回复一个字母：
A：CORRECT（正确）——预测答案完整包含标准答案的含义，且没有任何与之矛盾的内容（措辞、顺序、繁简、名字中的小错别字不计；数字须与标准答案同样精确）。
B：INCORRECT（错误）——预测答案与标准答案有任何矛盾，即使语气含糊（"可能"、"我认为"），或给出多个候选而其中有错。
C：NOT_ATTEMPTED（未尝试）——预测答案没有给出标准答案的关键信息，也不与之矛盾（拒答、"不知道"、答非所问、缺少关键事实）。

问题：{question}
标准答案：{target}
预测答案：{answer}

只回复字母 A、B 或 C。"""


class ChineseSimpleQAJudge(SimpleQAJudge):
    template = GRADER_ZH


@register("benchmark", "chinese_simpleqa")
class ChineseSimpleQA(Benchmark):
    meta = BenchmarkMeta(
        name="chinese_simpleqa",
        pretty_name="Chinese-SimpleQA",
        tags=("Knowledge", "QA", "Chinese", "LLMJudge"),
        dataset_id="AI-ModelScope/Chinese-SimpleQA",
        hf_dataset_id="OpenStellarTeam/Chinese-SimpleQA",
        subsets=("default",),
        single_subset_files=True,
        eval_split="train",
        metric_list=METRICS,
        metric_map={},
        prompt_template="请回答下面的问题：\n\n{query}",
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        return Sample(id=str(record.get("id", index)), input=str(record["question"]), target=str(record["answer"]),
                      metadata={k: str(record.get(k, "")) for k in ("primary_category", "secondary_category")})

    def scorers(self) -> list:
        return [ChineseSimpleQAJudge()]
