"""TriviaQA (Joshi et al., 2017), reading-comprehension ``rc.wikipedia`` subset: trivia questions with their
Wikipedia evidence.

Source: EvalScope's ``evalscope/trivia_qa`` (= HF ``mandarjoshi/trivia_qa`` config ``rc.wikipedia``), split
``validation``; rows ``question_id``, ``question``, ``answer`` (``aliases``, ``normalized_aliases``, ``value``),
``entity_pages.wiki_context`` (a list of article texts, or one text). Local ``rc.wikipedia_validation.jsonl`` or the
hub's ``rc.wikipedia/validation-*.parquet``. EvalScope's prompt (content, question, ``ANSWER: [ANSWER]`` last
line); the answer is the text after the last ``ANSWER:``. ``acc`` is TriviaQA's official exact match: the answer,
normalized (lower case, punctuation and articles removed), equals a normalized alias (EvalScope's own ``acc`` here
is an inclusion test instead); ``f1`` is the official token F1 (``evalscope.metrics.qa``).

Official number: none reproduced here (no reference outputs at hand); the normalization is tested on the official
script's definition (tests/unit/benchmarks/test_knowledge_mcq.py).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.registry import register

PROMPT = ("Read the content and answer the following question.\n\nContent: {content}\n\nQuestion: {query}\n\n"
          "The last line of your response should be of the form \"ANSWER: [ANSWER]\" (without quotes) where "
          "[ANSWER] is the answer to the problem.\n")


@register("benchmark", "trivia_qa")
class TriviaQA(Benchmark):
    meta = BenchmarkMeta(
        name="trivia_qa",
        pretty_name="TriviaQA",
        tags=("QA", "ReadingComprehension"),
        dataset_id="evalscope/trivia_qa",
        hf_dataset_id="mandarjoshi/trivia_qa",
        subsets=("rc.wikipedia",),
        eval_split="validation",
        metric_list=("acc", "f1"),
        metric_map={"acc": "qa_exact_match", "f1": "qa_f1"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answer = record["answer"]
        aliases = list(dict.fromkeys([*answer.get("aliases", []), *answer.get("normalized_aliases", [])]))
        if not aliases and answer.get("value"):
            aliases = [answer["value"]]
        if not aliases:
            raise ValueError("it has no answer aliases")
        context = (record.get("entity_pages") or {}).get("wiki_context") or ""
        if isinstance(context, list):
            context = "\n".join(map(str, context))
        return Sample(id=str(record.get("question_id", index)), input=str(record["question"]), target=aliases,
                      metadata={"content": context})

    def format_query(self, sample: Sample) -> str:
        return self.prompt_template.format(query=sample.input_text, content=sample.metadata.get("content", ""))

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        matches = re.findall(r"ANSWER:\s*(.*)", prediction)
        return matches[-1].strip() if matches else prediction.strip()
