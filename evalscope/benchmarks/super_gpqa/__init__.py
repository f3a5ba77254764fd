"""SuperGPQA (M-A-P, 2025): 26,529 graduate-level multiple-choice questions in 285 subfields of 72 fields and 13
disciplines, ten options for most questions.

Source: EvalScope's ``m-a-p/SuperGPQA`` (HF the same), its only split ``train`` (``SuperGPQA-all.jsonl``); rows
``uuid``, ``question``, ``options``, ``answer`` (the text), ``answer_letter``, ``discipline``, ``field``,
``subfield``, ``difficulty``. Local: the file itself as ``local_path``, or ``train.jsonl`` / ``data/train-*.parquet``
in a folder. The subsets are EvalScope's 72 fields (rows kept by ``field``), grouped in EvalScope's categories
(``prompt.json``: Engineering, Science, Medicine, ...). EvalScope's single-answer chain-of-thought prompt ("ANSWER:
[LETTER]"), 0-shot by default; ``few_shot_num: 5`` puts EvalScope's five fixed examples first (SuperGPQA's
``five-shot.yaml`` ones; here with their LaTeX intact, where EvalScope's string turns ``\\frac`` into control
characters). The letter is read by SuperGPQA's official extraction (``extract.py``), including its five-shot rule (the
text before a "Question:" the model goes on to write); ``acc`` is its exact match with ``answer_letter``.

Official number: SuperGPQA publishes accuracies (its README: DeepSeek-R1 61.82%, the best) but no per-sample
reference outputs, so no run is compared. The extraction equals the official functions'
on a table of replies typed from the official patterns' documented cases (tests/unit/benchmarks/test_super_gpqa.py);
on 200,000 random replies built from answer phrases, wrappers and options it gave the official script's letter every
time (measured once against the official ``eval/eval.py``, 0 differences; the test runs 20,000 with
``EVALSCOPE_SUPERGPQA_OFFICIAL`` set to that file).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.benchmarks.super_gpqa.extract import extract
from evalscope.registry import register

SHOTS = 5
FEW_SHOT_HEADER = "Here are some examples of how to answer similar questions:\n\n"


@lru_cache(maxsize=1)
def _prompt() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("prompt.json").read_text(encoding="utf-8"))


FIELDS: dict[str, str] = _prompt()["field_categories"]


@register("benchmark", "super_gpqa")
class SuperGPQA(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="super_gpqa",
        pretty_name="SuperGPQA",
        tags=("Knowledge", "MCQ"),
        dataset_id="m-a-p/SuperGPQA",
        hf_dataset_id="m-a-p/SuperGPQA",
        subsets_from_column=True,
        subsets=tuple(FIELDS),
        subset_categories={field: (category,) for field, category in FIELDS.items()},
        single_subset_files=True,
        eval_split="train",
        few_shot_num=0,
        max_few_shot_num=SHOTS,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    @property
    def few_shot_num(self) -> int:
        """0 for the engine: the five examples are fixed text, added by ``format_query``."""
        self.shots  # noqa: B018 - validates the setting
        return 0

    @property
    def shots(self) -> int:
        n = self.args.few_shot_num or 0
        if n not in (0, SHOTS):
            raise ValueError(f"few_shot_num is 0 or {SHOTS} (EvalScope's fixed examples), not {n}")
        return n

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        return record.get("field") == subset

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        options = [str(o) for o in record["options"]]
        if not 2 <= len(options) <= 10:
            raise ValueError(f"it has {len(options)} options (SuperGPQA has 2 to 10)")
        return mcq_sample(index, str(record["question"]), options, str(record["answer_letter"]),
                          record_id=record.get("uuid"), field=record.get("field"),
                          discipline=record.get("discipline"), subfield=record.get("subfield"),
                          difficulty=record.get("difficulty"), explanation=record.get("answer", ""))

    def format_query(self, sample: Sample) -> str:
        query = super().format_query(sample)
        return f"{FEW_SHOT_HEADER}{_prompt()['five_shot']}\n\n{query}" if self.shots else query

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract(prediction, sample.choices or [], few_shot=bool(self.shots))
