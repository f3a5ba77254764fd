"""docvqa: DocVQA (Mathew et al., WACV 2021), questions on scanned documents, scored by ANLS.

Source: lmms-lab/DocVQA (the ``DocVQA`` config, ``validation`` split: 5,349 questions; ``test`` has no answers).
Local layout as the hub publishes it: ``<local_path>/DocVQA/validation-0000N-of-0000M.parquet`` with columns
``questionId, question, question_types, image {bytes, path}, docId, ucsf_document_id, ucsf_document_page_no,
answers``; or jsonl rows with ``image`` a path (relative to ``local_path``), a URL or base64. Prompt, split and
extraction are EvalScope's (the last ``ANSWER:`` line); the metric is standard ANLS, best over the answers
(threshold 0.5; see ``evalscope.metrics.vqa`` for the exact difference from VLMEvalKit's). Published:
Qwen2.5-VL-7B 95.7 ANLS on the test split (the Qwen2.5-VL report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.vision.media import VisionBenchmark, answer_line
from evalscope.registry import register

PROMPT = (
    "Answer the question according to the image using a single word or phrase.\n"
    "{question}\n"
    'The last line of your response should be of the form "ANSWER: [ANSWER]" (without quotes) '
    "where [ANSWER] is the answer to the question."
)


@register("benchmark", "docvqa")
class DocVQA(VisionBenchmark):
    meta = BenchmarkMeta(
        name="docvqa",
        pretty_name="DocVQA",
        tags=("MultiModal", "OCR", "QA"),
        dataset_id="lmms-lab/DocVQA",
        hf_dataset_id="lmms-lab/DocVQA",
        subsets=("DocVQA",),
        eval_split="validation",
        metric_list=("anls",),
        metric_map={"anls": "anls"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answers = record.get("answers")
        if isinstance(answers, str):
            answers = [answers]
        metadata = {k: record.get(k) for k in ("questionId", "question_types", "docId", "ucsf_document_id",
                                               "ucsf_document_page_no") if record.get(k) is not None}
        return self.vision_sample(record, index, subset, str(record["question"]),
                                  [str(a) for a in answers or []], metadata=metadata)

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        found = answer_line(prediction)
        return found if found is not None else prediction.strip()
