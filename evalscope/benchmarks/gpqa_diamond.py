"""GPQA Diamond (Rein et al., 2023): 198 graduate-level, "Google-proof" questions in physics, chemistry and biology,
four choices each.

Source: the official ``gpqa_diamond.csv`` (GitHub idavidrein/gpqa ``dataset.zip``, password-protected; the same CSV
openai/simple-evals reads; EvalScope's ``AI-ModelScope/gpqa_diamond``, split ``train``); columns ``Question``,
``Correct Answer``, ``Incorrect Answer 1..3``, ``Record ID``, ``High-level domain``, ``Subdomain``. Local data: the
CSV unzipped (``unzip -P <password> dataset.zip``) as ``train.csv`` in a folder, or ``local_path`` naming the CSV.
Choices are shuffled as simple-evals does: one ``random.Random(0)`` drawing ``sample(range(4), 4)`` per row in file
order, applied to ``[correct, incorrect 1, 2, 3]`` (so the answer key is the same on every run and machine).
0-shot, EvalScope's single-answer chain-of-thought prompt; ``acc`` is exact match of the extracted letter.

Official number reproduced: the answer key and option order equal simple-evals' for all 198 rows, and the correct
letter's answer scores 1.0 on every row, a wrong one 0.0 (tests/unit/benchmarks/test_gpqa_diamond.py, on the
shared copy). No published model outputs were at hand to compare accuracies.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.registry import register

SHUFFLE_SEED = 0


@lru_cache(maxsize=4)
def permutations(count: int, seed: int = SHUFFLE_SEED) -> tuple[tuple[int, ...], ...]:
    """The option order of the first ``count`` rows: simple-evals' ``rng.sample(range(4), 4)`` per row."""
    rng = random.Random(seed)
    return tuple(tuple(rng.sample(range(4), 4)) for _ in range(count))


def permutation_of(index: int) -> tuple[int, ...]:
    return permutations(max(256, 1 << (index + 1).bit_length()))[index]


@register("benchmark", "gpqa_diamond")
class GPQADiamond(MultipleChoiceBenchmark):
    meta = BenchmarkMeta(
        name="gpqa_diamond",
        pretty_name="GPQA-Diamond",
        tags=("Knowledge", "MCQ"),
        dataset_id="AI-ModelScope/gpqa_diamond",
        hf_dataset_id="Idavidrein/gpqa",
        subsets=("default",),
        single_subset_files=True,
        eval_split="train",
        metric_list=("acc",),
        metric_map={"acc": "exact_match"},
        prompt_template=MCQ_TEMPLATE,
    )

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        options = [str(record[k]) for k in ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                                            "Incorrect Answer 3")]
        order = permutation_of(index)
        choices = [options[i] for i in order]
        return mcq_sample(index, str(record["Question"]), choices, choices.index(options[0]),
                          record_id=record.get("Record ID"), domain=record.get("High-level domain"),
                          subdomain=record.get("Subdomain"))
