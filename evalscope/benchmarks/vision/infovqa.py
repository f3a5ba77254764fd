"""infovqa: InfographicVQA (Mathew et al., WACV 2022), questions on infographics, scored by ANLS.

Source: lmms-lab/DocVQA, the ``InfographicVQA`` config, ``validation`` split (2,801 questions). Local layout as
the hub publishes it: ``<local_path>/InfographicVQA/validation-0000N-of-0000M.parquet`` (columns
``questionId, question, answers, answer_type, image {bytes, path}, ...``), or jsonl with image paths. Prompt and
extraction as ``docvqa`` (EvalScope's); standard ANLS, best over the answers.
"""

from __future__ import annotations

from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.vision.docvqa import PROMPT, DocVQA
from evalscope.registry import register


@register("benchmark", "infovqa")
class InfoVQA(DocVQA):
    meta = BenchmarkMeta(
        name="infovqa",
        pretty_name="InfoVQA",
        tags=("MultiModal", "OCR", "QA"),
        dataset_id="lmms-lab/DocVQA",
        hf_dataset_id="lmms-lab/DocVQA",
        subsets=("InfographicVQA",),
        eval_split="validation",
        metric_list=("anls",),
        metric_map={"anls": "anls"},
        prompt_template=PROMPT,
    )
