"""mmmu: MMMU (Yue et al., CVPR 2024), college-level questions over 30 subjects, up to 7 images each; accuracy.

Source: MMMU/MMMU on Hugging Face (AI-ModelScope/MMMU on ModelScope), ``validation`` split (900 questions, 30 per
subject; ``test`` has no answers). Local layout as the hub publishes it:
``<local_path>/<Subject>/validation-00000-of-00001.parquet`` with columns ``id, question, options`` (a list
as text), ``answer, question_type`` (``multiple-choice`` | ``open``), ``image_1`` .. ``image_7`` (``{bytes,
path}``), ``subfield, img_type, topic_difficulty, explanation``; or jsonl with image paths. ``<image N>``
placeholders in the question and options are replaced by those images, in place. Prompts and extraction are
EvalScope's (the multiple-choice template; the open-question prompt and its ``ANSWER:`` line); open answers
count when equal ignoring case or as numbers. Subjects are grouped in MMMU's six disciplines.
Published: GPT-4o 69.1, Qwen2.5-VL-7B 58.6 on validation (the MMMU leaderboard and the Qwen2.5-VL report).
"""

from __future__ import annotations

import ast
from typing import Any

from evalscope.api import ChatMessage, Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import LETTERS, MCQ_TEMPLATE, extract_choice, format_choices
from evalscope.benchmarks.vision.general import _RowImages
from evalscope.benchmarks.vision.media import VisionBenchmark, answer_line
from evalscope.registry import register

OPEN_PROMPT = (
    "\nSolve the following problem step by step. The last line of your response should be of the form "
    '"ANSWER: [ANSWER]" (without quotes) where [ANSWER] is the answer to the problem.\n{question}\n'
    'Remember to put your answer on its own line at the end in the form "ANSWER: [ANSWER]" (without quotes) '
    "where [ANSWER] is the answer to the problem, and you do not need to use a \\boxed command.\n"
)
DISCIPLINES = {
    "Art & Design": ("Art", "Art_Theory", "Design", "Music"),
    "Business": ("Accounting", "Economics", "Finance", "Manage", "Marketing"),
    "Science": ("Biology", "Chemistry", "Geography", "Math", "Physics"),
    "Health & Medicine": ("Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine",
                          "Pharmacy", "Public_Health"),
    "Humanities & Social Science": ("History", "Literature", "Psychology", "Sociology"),
    "Tech & Engineering": ("Agriculture", "Architecture_and_Engineering", "Computer_Science", "Electronics",
                           "Energy_and_Power", "Materials", "Mechanical_Engineering"),
}
SUBJECTS = tuple(sorted(s for group in DISCIPLINES.values() for s in group))


@register("benchmark", "mmmu")
class MMMU(VisionBenchmark):
    meta = BenchmarkMeta(
        name="mmmu",
        pretty_name="MMMU",
        tags=("MultiModal", "Knowledge", "MCQ"),
        dataset_id="AI-ModelScope/MMMU",
        hf_dataset_id="MMMU/MMMU",
        subsets=SUBJECTS,
        subset_categories={s: (d,) for d, group in DISCIPLINES.items() for s in group},
        eval_split="validation",
        metric_list=("acc",),
        metric_map={"acc": "choice_or_answer_match"},
        prompt_template=OPEN_PROMPT,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        images = _RowImages(self, record, index, subset)
        kind = record["question_type"]
        metadata = {k: record.get(k) for k in ("question_type", "subfield", "img_type", "topic_difficulty")
                    if record.get(k) is not None}
        question = str(record["question"]).strip()
        if kind == "multiple-choice":
            options = record["options"]
            options = [str(o) for o in (ast.literal_eval(options) if isinstance(options, str) else options)]
            text = MCQ_TEMPLATE.format(query=question, choices=format_choices(options),
                                       letters=",".join(LETTERS[: len(options)]))
            choices, target = options, str(record["answer"]).strip().upper()
        elif kind == "open":
            text, choices, target = self.prompt_template.replace("{question}", question), None, str(record["answer"])
        else:
            raise ValueError(f"question_type {kind!r} is neither 'multiple-choice' nor 'open'")
        content = images.interleave(text) + images.rest()
        return Sample(id=str(record.get("id", index)), input=[ChatMessage(role="user", content=content)],
                      choices=choices, target=target, metadata=metadata)

    def format_query(self, sample: Sample) -> str:
        return sample.input_text  # the template was applied with the placeholders in place

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        system = [ChatMessage(role="system", content=self.system_prompt)] if self.system_prompt else []
        return self.resolve_images(system + list(sample.input))  # type: ignore[arg-type]

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        if sample.choices:
            return extract_choice(prediction, len(sample.choices))
        found = answer_line(prediction)
        return found if found is not None else prediction.strip()
