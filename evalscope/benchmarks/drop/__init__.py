"""DROP (Dua et al., 2019): reading comprehension that needs discrete reasoning (counting, adding, sorting, comparing)
over paragraphs of NFL game summaries and Wikipedia history articles; answers are numbers, dates or text spans.

Source: EvalScope's ``AI-ModelScope/DROP`` (= HF ``EleutherAI/drop``), split ``validation`` (9,536 questions); rows
``section_id``, ``query_id``, ``passage``, ``question``, ``answer`` (``number``, ``date`` {day, month, year},
``spans``) and ``validated_answers`` (the same fields as lists, or a list of such answers). Local
``validation.jsonl`` or the hub's ``data/validation-*.parquet``. EvalScope's prompt and its three fixed examples
(``prompt.json``; ``few_shot_num`` 3 or 0): the passage, the question, "Think step by step, then write a line of the
form "Answer: [ANSWER]""; the answer is the text after the last ``Answer:`` (a reply without one counts as the
answer only when it is one line; EvalScope scores the whole reply then). The gold answers are the answer and the
validated answers, each as the official script reads it (the number, else the spans, else "day month year"),
duplicates dropped. ``f1`` (primary) and ``em`` are the official DROP F1 and EM (``evalscope.metrics.drop``), the
best over the gold answers; the model's answer is one span, as in EvalScope and simple-evals.

Official number reproduced: the metric gives the official script's value on every case of its own test suite
(allennlp-reading-comprehension ``tests/eval/drop_eval_test.py``: numbers, articles, punctuation, hyphens,
multi-span alignment, gold answer selection; tests/unit/metrics/test_drop_metric.py), and the official
``get_metrics`` (numpy 2.4.6, scipy 1.17.1) on 100,000 random span lists (0 differences, measured once; the test runs
20,000 with ``EVALSCOPE_DROP_OFFICIAL`` set to ``drop_eval.py``). No published model outputs were at hand to
compare a whole run.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.registry import register

SHOTS = 3


@lru_cache(maxsize=1)
def _prompt() -> dict[str, str]:
    return json.loads(resources.files(__package__).joinpath("prompt.json").read_text(encoding="utf-8"))


def answer_spans(answer: dict[str, Any]) -> tuple[str, ...]:
    """One DROP answer as the official script reads it: the number, else the spans, else "day month year"."""
    if answer.get("number"):
        return (str(answer["number"]),)
    if answer.get("spans"):
        return tuple(str(s) for s in answer["spans"])
    date = answer.get("date") or {}
    return (" ".join(str(date.get(k) or "") for k in ("day", "month", "year")).strip(),)


def validated(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The validated answers as a list of answers: the hub stores them column-wise (``{"number": [...], ...}``)."""
    given = record.get("validated_answers") or []
    if isinstance(given, list):
        return given
    columns = [given.get(k) or [] for k in ("number", "date", "spans")]
    return [{"number": n, "date": d, "spans": s} for n, d, s in zip(*columns)]


@register("benchmark", "drop")
class DROP(Benchmark):
    meta = BenchmarkMeta(
        name="drop",
        pretty_name="DROP",
        tags=("Reasoning",),
        dataset_id="AI-ModelScope/DROP",
        hf_dataset_id="EleutherAI/drop",
        eval_split="validation",
        few_shot_num=SHOTS,
        max_few_shot_num=SHOTS,
        metric_list=("f1", "em"),
        metric_map={"f1": "drop_f1", "em": "drop_em"},
        prompt_template=_prompt()["prompt_template"],
    )

    @property
    def few_shot_num(self) -> int:
        """0 for the engine: the examples are EvalScope's fixed text, added by ``format_query``."""
        self.shots  # noqa: B018 - validates the setting
        return 0

    @property
    def shots(self) -> int:
        n = SHOTS if self.args.few_shot_num is None else self.args.few_shot_num
        if n not in (0, SHOTS):
            raise ValueError(f"few_shot_num is {SHOTS} (EvalScope's fixed examples) or 0, not {n}")
        return n

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        golds: list[tuple[str, ...]] = []
        for answer in [record["answer"], *validated(record)]:
            spans = answer_spans(answer)
            if spans not in golds:
                golds.append(spans)
        if not any(g[0].strip() for g in golds):
            raise ValueError("it has no non-empty answer")
        return Sample(id=str(record.get("query_id") or index), input=str(record["question"]),
                      target=[" | ".join(g) for g in golds],
                      metadata={"passage": str(record["passage"]), "gold_answers": [list(g) for g in golds]})

    def format_query(self, sample: Sample) -> str:
        query = f"Passage: {sample.metadata['passage']}\nQuestion: {sample.input_text}"
        examples = _prompt()["examples"] if self.shots else ""
        return self.prompt_template.format(drop_examples=examples, query=query)

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        matches = re.findall(r"(?i)Answer\s*:\s*([^\n]+)", prediction)
        if matches:
            return matches[-1].strip()
        text = prediction.strip()
        return "" if "\n" in text else text
