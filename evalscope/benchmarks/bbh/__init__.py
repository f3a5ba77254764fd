"""BBH, BIG-Bench Hard (Suzgun et al., 2022): the 27 BIG-Bench tasks (23 task families) on which language models
fell short of the average human rater, asked with the authors' 3-shot chain-of-thought prompts.

Source: EvalScope's ``evalscope/bbh`` (27 subsets, split ``test``; HF ``lukaemon/bbh``), rows ``input`` and
``target``. Local data in the authors' layout (github.com/suzgunmirac/BIG-Bench-Hard ``bbh/<task>.json``:
``{"canary": ..., "examples": [...]}``), or ``<task>_test.jsonl``, or the hub's ``<task>/test-*.parquet``. The
prompt is EvalScope's: the task's chain-of-thought examples (the authors' ``cot-prompts/<task>.txt``, shipped in
``cot_prompts.json``), then ``Q: <input>`` and "A: Let's think step by step. Put your final answer in the format of
"So the answer is [ANSWER]" ...". ``few_shot_num`` is 3 (the examples) or 0 (none); they are fixed texts, not rows
of a train split. Answers are read per task type (``answers.py``: a letter for the 17 multiple-choice tasks, the
task's word for the yes/no, True/False and valid/invalid ones, a number, a Dyck bracket sequence, sorted words);
``acc`` is the exact match of that canonical answer with the canonical target (EvalScope strips every parenthesis
from targets, which also strips Dyck targets' closing ``)``: here a Dyck target keeps its brackets).

Official number reproduced: on the authors' published code-davinci-002 outputs (6,511 replies to the
chain-of-thought prompts and 6,511 to the answer-only ones, ``code-davinci-002-outputs/``), the per-task accuracy
equals their ``_eval_metrics.jsonl`` ``accuracy`` on all 27 tasks, both ways (e.g. CoT boolean_expressions 92.8,
dyck_languages 56.8, word_sorting 40.4; tests/unit/benchmarks/test_bbh.py with ``EVALSCOPE_BBH_REFERENCE`` set to a
checkout of that repository).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from importlib import resources
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.bbh.answers import SUBSETS, canonical, extract, task_type
from evalscope.registry import register

PROMPT = ("Q: {query}\nA: Let's think step by step. Put your final answer in the format of \"So the answer is "
          "[ANSWER]\" (without quotes and markdown) where [ANSWER] is the answer to the problem.\n")
SHOTS = 3

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def cot_prompts() -> dict[str, str]:
    """Task -> the BBH authors' chain-of-thought prompt (task description and three solved examples)."""
    text = resources.files(__package__).joinpath("cot_prompts.json").read_text(encoding="utf-8")
    return json.loads(text)["prompts"]


@register("benchmark", "bbh")
class BBH(Benchmark):
    meta = BenchmarkMeta(
        name="bbh",
        pretty_name="BBH",
        tags=("Reasoning",),
        dataset_id="evalscope/bbh",
        hf_dataset_id="lukaemon/bbh",
        subsets=SUBSETS,
        eval_split="test",
        few_shot_num=SHOTS,
        max_few_shot_num=SHOTS,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=PROMPT,
    )

    @property
    def few_shot_num(self) -> int:
        """0 for the engine: the examples are the authors' fixed prompts, added by ``format_query``."""
        self.cot_shots  # noqa: B018 - validates the setting
        return 0

    @property
    def cot_shots(self) -> int:
        n = SHOTS if self.args.few_shot_num is None else self.args.few_shot_num
        if n not in (0, SHOTS):
            raise ValueError(f"few_shot_num is {SHOTS} (the authors' chain-of-thought examples) or 0, not {n}")
        return n

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        raw = str(record["target"]).strip()
        target = canonical(raw, subset)
        if not target:  # 3 published rows: an option's text where its letter belongs ("Monsters, Inc")
            logger.debug("bbh/%s row %d: target %r is no %s answer; kept as it is", subset, index, raw,
                         task_type(subset))
            target = raw  # as in the authors' exact match, only that very text would match, never a letter
        return Sample(id=str(index), input=str(record["input"]), target=target, subset=subset,
                      metadata={"task_type": task_type(subset), "raw_target": raw})

    def format_query(self, sample: Sample) -> str:
        query = self.prompt_template.format(query=sample.input_text)
        if not self.cot_shots:
            return query
        return f"{cot_prompts()[sample.subset or '']}\n\n{query}"

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract(prediction, sample.subset or "")
