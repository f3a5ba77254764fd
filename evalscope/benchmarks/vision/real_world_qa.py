"""real_world_qa: RealWorldQA (xAI, 2024), 765 questions on real-world and driving photographs; accuracy.

Source: lmms-lab/RealWorldQA (``test`` split). Local layout as the hub publishes it:
``<local_path>/data/test-0000N-of-0000M.parquet`` with columns ``image {bytes, path}, image_path, question,
answer``; or jsonl rows with ``image`` a path, URL or base64. Most questions are multiple choice (the options
and "answer with the letter" are in the question text, the answer a letter), some short answer (a number, a
word). Prompt and extraction are EvalScope's (the last ``ANSWER:`` line, lower-cased); on top of it a reply
that gives an option as ``B.``, ``(B)`` or ``B) two`` counts as the letter when the answer is a letter, and
surrounding punctuation is ignored; a reply without an ``ANSWER:`` line is read from its last line (EvalScope
scores it empty). Published: Qwen2-VL-7B 70.1 (the Qwen2-VL report).
"""

from __future__ import annotations

import re
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.vision.media import VisionBenchmark, answer_line
from evalscope.registry import register

PROMPT = (
    "Read the picture and solve the following problem step by step."
    "The last line of your response should be of the form"
    ' "ANSWER: [ANSWER]" (without quotes) where [ANSWER] is the answer to the problem.\n\n'
    "{question}\n\n"
    "Remember to put your answer on its own line at the end in the form"
    ' "ANSWER: [ANSWER]" (without quotes) where [ANSWER] is the answer to the problem,'
    " and you do not need to use a \\boxed command."
)
_OPTION = re.compile(r"^\(?([a-z])(?:[.):]|\s|$)")


@register("benchmark", "real_world_qa")
class RealWorldQA(VisionBenchmark):
    meta = BenchmarkMeta(
        name="real_world_qa",
        pretty_name="RealWorldQA",
        tags=("MultiModal", "QA"),
        dataset_id="lmms-lab/RealWorldQA",
        hf_dataset_id="lmms-lab/RealWorldQA",
        subsets=("default",),
        eval_split="test",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        answer = str(record["answer"]).strip().lower()
        kind = "multiple_choice" if re.fullmatch(r"[a-z]", answer) else "short_answer"
        metadata = {"answer_type": kind, **({"image_path": record["image_path"]} if record.get("image_path") else {})}
        return self.vision_sample(record, index, subset, str(record["question"]), answer, metadata=metadata)

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        text = answer_line(prediction)
        if text is None:  # no ANSWER line: the last line of the reply
            lines = prediction.strip().splitlines()
            text = lines[-1] if lines else ""
        text = text.strip().strip("*`'\" ").rstrip(".").strip().lower()
        if sample.metadata.get("answer_type") == "multiple_choice":
            option = _OPTION.match(text)
            if option:
                return option.group(1)
        return text
