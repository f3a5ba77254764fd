"""ocr_bench: OCRBench (Liu et al., 2024), 1,000 OCR questions over 10 task types; accuracy.

Source: evalscope/OCRBench on ModelScope (echo840/OCRBench on Hugging Face), ``test`` split. Local layout:
``<local_path>/test.jsonl`` (or ``test.parquet``, ``data/test-0000i-of-0000n.parquet``) with columns
``question, answer`` (a list of acceptable strings), ``question_type`` (the task type), ``dataset`` (the source
set), ``image`` (``{bytes, path}``, a path, URL or base64). The image comes before the question, the prompt is
the question itself, and a reply counts when it contains a reference (OCRBench's rule: case-insensitive,
newlines as spaces; for the HME100k formulas case kept and spaces removed), as EvalScope does. The subsets are
EvalScope's, the 10 values of the ``question_type`` column (OCRBench's published score is the count right out of
1,000: the overall ``acc`` x 1000). Published: Qwen2.5-VL-7B 864 (the Qwen2.5-VL report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.vision.media import VisionBenchmark
from evalscope.registry import register

SUBSETS = ("Regular Text Recognition", "Irregular Text Recognition", "Artistic Text Recognition",
           "Handwriting Recognition", "Digit String Recognition", "Non-Semantic Text Recognition",
           "Scene Text-centric VQA", "Doc-oriented VQA", "Key Information Extraction",
           "Handwritten Mathematical Expression Recognition")


@register("benchmark", "ocr_bench")
class OCRBench(VisionBenchmark):
    image_first = True
    subset_column = "question_type"
    meta = BenchmarkMeta(
        name="ocr_bench",
        pretty_name="OCRBench",
        tags=("MultiModal", "OCR"),
        dataset_id="evalscope/OCRBench",
        hf_dataset_id="echo840/OCRBench",
        subsets=SUBSETS,
        single_subset_files=True,
        eval_split="test",
        metric_list=("acc",),
        metric_map={"acc": "ocr_contains"},
        prompt_template="{question}",
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answer = record["answer"]
        answers = [str(a) for a in answer] if isinstance(answer, (list, tuple)) else [str(answer)]
        metadata = {k: record[k] for k in ("dataset", "question_type") if record.get(k) is not None}
        return self.vision_sample(record, index, subset, str(record["question"]), answers, metadata=metadata)
