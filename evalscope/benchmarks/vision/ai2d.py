"""ai2d: AI2 Diagrams (Kembhavi et al., ECCV 2016), multiple-choice questions on science diagrams; accuracy.

Source: lmms-lab/ai2d, ``test`` split (3,088 questions). Local layout as the hub publishes it:
``<local_path>/data/test-0000N-of-0000M.parquet`` (columns ``question, options`` (a list), ``answer`` (the
0-based index of the right option, as text), ``image {bytes, path}``), or ``test.jsonl`` with image paths.
Prompt: the multiple-choice template (``ANSWER: [LETTER]``, think step by step), as EvalScope; the letter is
read from the reply's last ``ANSWER:`` (or ``answer is X``, ``\\boxed{X}``, a bare letter).
Published: Qwen2.5-VL-7B 83.9 (the Qwen2.5-VL report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import ChatMessage, ContentText, Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import LETTERS, MCQ_TEMPLATE, extract_choice, format_choices
from evalscope.benchmarks.vision.media import VisionBenchmark
from evalscope.registry import register


@register("benchmark", "ai2d")
class AI2D(VisionBenchmark):
    meta = BenchmarkMeta(
        name="ai2d",
        pretty_name="AI2D",
        tags=("MultiModal", "MCQ"),
        dataset_id="lmms-lab/ai2d",
        hf_dataset_id="lmms-lab/ai2d",
        subsets=("default",),
        eval_split="test",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        options = [str(o) for o in record["options"]]
        answer = int(str(record["answer"]).strip())
        if not 0 <= answer < len(options):
            raise ValueError(f"answer {answer} is not an index of the {len(options)} options")
        text = self.prompt_template.format(query=str(record["question"]).strip(), choices=format_choices(options),
                                           letters=",".join(LETTERS[: len(options)]))
        images = self.images_of(record, index, subset)
        return Sample(id=str(record.get("id", index)), input=[ChatMessage(role="user", content=[
            ContentText(text=text), *images])], choices=options, target=LETTERS[answer])

    def format_query(self, sample: Sample) -> str:
        return sample.input_text  # the template was applied when the sample was made

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        return extract_choice(prediction, len(sample.choices or []))
