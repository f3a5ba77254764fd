"""mm_star: MMStar (Chen et al., NeurIPS 2024), 1,500 vision-indispensable multiple-choice questions; accuracy.

Source: evalscope/MMStar on ModelScope (Lin-Chen/MMStar on Hugging Face), ``val`` split. Local data: the hub's
single file (``local_path: /data/MMStar/mmstar.parquet``), or ``val.parquet`` / ``val.jsonl`` in a folder, with
columns ``index, question`` (the options are in its text), ``image`` (``{bytes, path}``, a path or base64),
``answer`` (a letter), ``category, l2_category``. Prompt and extraction are EvalScope's (``ANSWER: [LETTER]``,
one of A-D). The subsets are EvalScope's, the six values of the ``category`` column. Published: Qwen2.5-VL-7B 63.9 (the Qwen2.5-VL
report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import extract_choice, normalize_label
from evalscope.benchmarks.vision.media import VisionBenchmark
from evalscope.registry import register

PROMPT = (
    "Answer the following multiple choice question.\nThe last line of your response should be of the following "
    "format:\n'ANSWER: [LETTER]' (without quotes)\nwhere [LETTER] is one of A,B,C,D. Think step by step before "
    "answering.\n\n{question}"
)


SUBSETS = ("coarse perception", "fine-grained perception", "instance reasoning", "logical reasoning", "math",
           "science & technology")


@register("benchmark", "mm_star")
class MMStar(VisionBenchmark):
    subset_column = "category"
    meta = BenchmarkMeta(
        name="mm_star",
        pretty_name="MMStar",
        tags=("MultiModal", "MCQ"),
        dataset_id="evalscope/MMStar",
        hf_dataset_id="Lin-Chen/MMStar",
        subsets=SUBSETS,
        single_subset_files=True,
        eval_split="val",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        metadata = {k: record[k] for k in ("category", "l2_category") if record.get(k) is not None}
        sample = self.vision_sample(record, index, subset, str(record["question"]),
                                    normalize_label(record["answer"], 4), metadata=metadata)
        return sample.model_copy(update={"choices": ["A", "B", "C", "D"]})

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_choice(prediction, 4)
