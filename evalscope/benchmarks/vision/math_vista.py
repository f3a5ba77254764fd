"""math_vista: MathVista (Lu et al., ICLR 2024), visual math reasoning, ``testmini`` (1,000 questions); accuracy.

Source: evalscope/MathVista on ModelScope (AI4Math/MathVista on Hugging Face). Local layout as the hub publishes
it: ``<local_path>/data/testmini-00000-of-00001-<hash>.parquet`` with columns ``pid, question, decoded_image
{bytes, path}`` (``image`` holds the original relative path, used only when there are no bytes), ``choices,
answer, question_type`` (``multi_choice`` | ``free_form``), ``answer_type`` (``text, integer, float, list``),
``precision``; or jsonl. Prompts are EvalScope's (the multiple-choice template; free-form: reason step by step,
final answer in ``\\boxed{}``). Extraction is answer-type aware as in MathVista's own evaluation: an integer
answer is read as ``int(float(x))``, a float rounded to the question's ``precision``, text compared ignoring case;
multiple choice by letter. Published: GPT-4o 63.8, Qwen2.5-VL-7B 68.2 on testmini (the MathVista leaderboard
and the Qwen2.5-VL report).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import ChatMessage, ContentText, Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.gsm8k import _boxed
from evalscope.benchmarks.multiple_choice import LETTERS, MCQ_TEMPLATE, extract_choice, format_choices
from evalscope.benchmarks.vision.media import VisionBenchmark, answer_line
from evalscope.metrics import parse_number
from evalscope.registry import register

OPEN_PROMPT = "{question}\nPlease reason step by step, and put your final answer within \\boxed{} without units."


def normalize_answer(text: str, answer_type: str, precision: Any) -> str:
    """The extracted answer in the answer's own form (MathVista's normalization), or the text as is."""
    text = text.strip().strip("$").strip()
    if answer_type in ("integer", "float"):
        number = parse_number(text)
        if number is None:
            return text
        if answer_type == "integer":
            return str(int(number))
        digits = int(float(precision)) if precision not in (None, "") else 2
        return str(round(number, digits))
    return text


@register("benchmark", "math_vista")
class MathVista(VisionBenchmark):
    meta = BenchmarkMeta(
        name="math_vista",
        pretty_name="MathVista",
        tags=("MultiModal", "Math"),
        dataset_id="evalscope/MathVista",
        hf_dataset_id="AI4Math/MathVista",
        subsets=("default",),
        eval_split="testmini",
        metric_list=("acc",),
        metric_map={"acc": "choice_or_answer_match"},
        prompt_template=OPEN_PROMPT,
    )

    def images_of(self, record: dict[str, Any], index: int, subset: str) -> list:
        if record.get("decoded_image"):
            record = {**record, "image": record["decoded_image"]}
        return super().images_of(record, index, subset)

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        kind, question = record["question_type"], str(record["question"]).strip()
        metadata = {k: record.get(k) for k in ("question_type", "answer_type", "precision") if record.get(k) is not None}
        if kind == "multi_choice":
            choices = [str(c) for c in record["choices"]]
            if str(record["answer"]) not in choices:
                raise ValueError(f"answer {record['answer']!r} is not one of the choices {choices}")
            text = MCQ_TEMPLATE.format(query=question, choices=format_choices(choices),
                                       letters=",".join(LETTERS[: len(choices)]))
            target, sample_choices = LETTERS[choices.index(str(record["answer"]))], choices
        elif kind == "free_form":
            text, target, sample_choices = self.prompt_template.replace("{question}", question), str(record["answer"]), None
        else:
            raise ValueError(f"question_type {kind!r} is neither 'multi_choice' nor 'free_form'")
        content = [ContentText(text=text), *self.images_of(record, index, subset)]
        return Sample(id=str(record.get("pid", index)), input=[ChatMessage(role="user", content=content)],
                      choices=sample_choices, target=target, metadata=metadata)

    def format_query(self, sample: Sample) -> str:
        return sample.input_text  # the template was applied when the sample was made

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        if sample.choices:
            return extract_choice(prediction, len(sample.choices))
        found = _boxed(prediction)
        if found is None:
            found = answer_line(prediction) or ""
        return normalize_answer(found, sample.metadata.get("answer_type", "text"), sample.metadata.get("precision"))
