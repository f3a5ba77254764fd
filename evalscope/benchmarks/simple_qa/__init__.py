"""SimpleQA (OpenAI, Wei et al. 2024): 4,326 short fact-seeking questions with one indisputable answer, graded
CORRECT / INCORRECT / NOT_ATTEMPTED by an LLM judge; metrics ``is_correct``, ``is_incorrect``,
``is_not_attempted`` (EvalScope's names; the paper's "correct" and "not attempted" rates).

Source: github.com/openai/simple-evals ``simple_qa_eval.py`` (data: ``simple_qa_test_set.csv``, columns
``metadata, problem, answer``; EvalScope ``evalscope/SimpleQA``). The judge prompt here follows the official
grader's rules (letters A/B/C for the three grades) in our own words; its numbers are comparable to the official
ones only with the same judge model. Without ``judge_model_args`` (``judge_strategy: rule``), an answer counts as
correct when it contains the normalized reference, not attempted when it is empty or a refusal: stricter than a
judge (a paraphrase is wrong). Official numbers: the paper reports e.g. GPT-4o 38.2% correct, o1-preview 42.7%.
"""

from __future__ import annotations

import re
import string
import unicodedata
from typing import Any, Optional

from evalscope.api import Answer, Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.judge import JudgeScorer, Verdict
from evalscope.registry import register

METRICS = ("is_correct", "is_incorrect", "is_not_attempted")
GRADES = {"A": "CORRECT", "B": "INCORRECT", "C": "NOT_ATTEMPTED"}

GRADER = """You grade answers to short factual questions. Given a question, the gold target answer and a \
predicted answer, reply with one letter:
A: CORRECT - the prediction contains the gold target's meaning in full and contradicts it nowhere (wording, \
order, capitalization, small typos in names and hedging do not matter; numbers must match to the precision of \
the gold target; the prediction may leave out what the question already makes obvious).
B: INCORRECT - the prediction contradicts the gold target in any way, even when it hedges ("I think", "maybe") \
or lists several candidates of which one is wrong.
C: NOT_ATTEMPTED - the prediction does not give the gold target's key information and contradicts nothing \
(a refusal, "I don't know", an answer to another question, a partial answer missing the key fact).

Question: {question}
Gold target: {target}
Predicted answer: {answer}

Reply with just the letter: A, B or C."""

REFUSALS = ("i don't know", "i do not know", "i'm not sure", "i am not sure", "cannot determine", "can't determine",
            "unable to", "no information", "不知道", "无法确定", "不清楚", "无法回答", "不确定")


def normalize(text: str) -> str:
    """Lower case, no punctuation (ASCII or full-width), no English articles, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if c in string.punctuation or unicodedata.category(c).startswith("P") else c for c in text)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def grade(label: str) -> Verdict:
    return Verdict(label=label, value={m: float(m == f"is_{label.lower()}") for m in METRICS})


def parse_grade(reply: str) -> Optional[Verdict]:
    """The grade in a judge's reply: a leading letter A/B/C, else the first grade word."""
    text = reply.strip()
    m = re.match(r"^[\W_]*([ABC])(?![A-Za-z])", text)
    if m:
        return grade(GRADES[m.group(1)])
    words = re.findall(r"NOT[_ ]ATTEMPTED|INCORRECT|CORRECT", text.upper())
    if words:
        return grade(words[0].replace(" ", "_"))
    m = re.search(r"(?<![A-Za-z])([ABC])(?![A-Za-z])", text)
    return grade(GRADES[m.group(1)]) if m else None


class SimpleQAJudge(JudgeScorer):
    metrics = METRICS
    template = GRADER

    def rule_verdict(self, sample: Sample, answer: Answer) -> Verdict:
        said = normalize(answer.text)
        if not said or any(r in answer.text.lower() for r in REFUSALS):
            return grade("NOT_ATTEMPTED")
        return grade("CORRECT" if any(normalize(t) and normalize(t) in said for t in sample.targets) else "INCORRECT")

    def judge_prompt(self, sample: Sample, answer: Answer) -> str:
        return self.template.format(question=sample.input_text, target=sample.target_text, answer=answer.text)

    def parse_verdict(self, reply: str, sample: Sample, answer: Answer) -> Optional[Verdict]:
        return parse_grade(reply)


@register("benchmark", "simple_qa")
class SimpleQA(Benchmark):
    meta = BenchmarkMeta(
        name="simple_qa",
        pretty_name="SimpleQA",
        tags=("Knowledge", "QA", "LLMJudge"),
        dataset_id="evalscope/SimpleQA",
        hf_dataset_id="basicv8vc/SimpleQA",
        subsets=("default",),
        single_subset_files=True,
        eval_split="test",
        metric_list=METRICS,
        metric_map={},
        prompt_template="Answer the question:\n\n{query}",
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        meta = record.get("metadata")
        return Sample(id=str(record.get("id", index)), input=str(record["problem"]), target=str(record["answer"]),
                      metadata={"source": meta if isinstance(meta, (str, dict)) else str(meta)})

    def scorers(self) -> list:
        return [SimpleQAJudge()]
