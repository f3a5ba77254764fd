"""chartqa: ChartQA (Masry et al., ACL Findings 2022), questions on charts, scored by relaxed accuracy.

Source: lmms-lab/ChartQA, ``test`` split (2,500 questions: 1,250 ``human_test`` + 1,250 ``augmented_test``, in the
``type`` column). Local layout as the hub publishes it: ``<local_path>/data/test-0000N-of-0000M.parquet``
(columns ``type, question, answer, image {bytes, path}``), or ``test.jsonl`` with image paths. Prompt and
extraction (the last ``ANSWER:`` line) are EvalScope's; the metric is pix2struct's relaxed accuracy (numbers
within 5 %, else a case-insensitive exact match), VLMEvalKit's too. The subsets are EvalScope's, the values of the
``type`` column: ``human_test`` and ``augmented_test`` (equal in size, so their mean is the published overall).
Published: Qwen2.5-VL-7B 87.3 (the Qwen2.5-VL report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.vision.media import VisionBenchmark, answer_line
from evalscope.registry import register

PROMPT = (
    "\n{question}\n"
    'The last line of your response should be of the form "ANSWER: [ANSWER]" (without quotes) where [ANSWER] is '
    "the a single word answer or number to the problem.\n"
)


@register("benchmark", "chartqa")
class ChartQA(VisionBenchmark):
    subset_column = "type"
    meta = BenchmarkMeta(
        name="chartqa",
        pretty_name="ChartQA",
        tags=("MultiModal", "QA"),
        dataset_id="lmms-lab/ChartQA",
        hf_dataset_id="lmms-lab/ChartQA",
        subsets=("human_test", "augmented_test"),
        single_subset_files=True,
        eval_split="test",
        metric_list=("relaxed_acc",),
        metric_map={"relaxed_acc": "relaxed_accuracy"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        metadata = {"type": record["type"]} if record.get("type") else {}
        return self.vision_sample(record, index, subset, str(record["question"]), str(record["answer"]),
                                  metadata=metadata)

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        found = answer_line(prediction)
        return found if found is not None else ""
