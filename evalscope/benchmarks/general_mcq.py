"""general_mcq: the user's own multiple-choice data, EvalScope's format.

Files ``<subset>_val.csv`` (and optional ``<subset>_dev.csv`` for few-shot) — or jsonl/json —
with columns ``id, question, A, B, C, ... , answer`` (answer a letter). ``subset_list`` names
the subsets; without it, every ``*_val.*`` file in ``local_path`` is a subset.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MultipleChoiceBenchmark, mcq_sample
from evalscope.data.readers import data_suffix
from evalscope.registry import register


def discover_subsets(root: Path, split: str) -> list[str]:
    """Subset names from ``<subset>_<split>.<ext>`` files (or every data file's stem)."""
    if root.is_file():
        return [root.name[: -len(data_suffix(root) or "")] or "default"]
    stems = []
    for path in sorted(root.iterdir()):
        suffix = data_suffix(path)
        if suffix and path.name[: -len(suffix)].endswith(f"_{split}"):
            stems.append(path.name[: -len(suffix) - len(split) - 1])
    return stems


class LocalSubsetsMixin:
    """Subsets discovered from the user's local files when ``subset_list`` is not given."""

    def _discovered(self) -> list[str]:
        root = self.args.local_path or self.args.dataset_id
        if root and Path(root).exists():
            found = discover_subsets(Path(root), self.eval_split)
            if found:
                return found
        return list(self.meta.subsets)

    @property
    def subsets(self) -> list[str]:
        return list(self.args.subset_list or self._discovered())


@register("benchmark", "general_mcq")
class GeneralMCQ(LocalSubsetsMixin, MultipleChoiceBenchmark):
    chinese = True
    meta = BenchmarkMeta(
        name="general_mcq",
        pretty_name="General MCQ",
        tags=("Custom", "MCQ"),
        subsets=("default",),
        eval_split="val",
        train_split="dev",
        few_shot_num=0,
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        choices = []
        for letter in string.ascii_uppercase:
            value = record.get(letter)
            if value is None or value == "":
                break
            choices.append(value)
        if len(choices) < 2:
            raise ValueError(f"general_mcq row {record.get('id', index)}: needs choice columns A, B, ...")
        return mcq_sample(index, str(record["question"]), choices, str(record["answer"]), record_id=record.get("id"))
