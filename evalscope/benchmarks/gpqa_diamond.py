"""GPQA Diamond (Rein et al., 2023): 198 graduate-level, "Google-proof" questions in physics, chemistry and biology,
four choices each.

Source: the official ``gpqa_diamond.csv`` (GitHub idavidrein/gpqa ``dataset.zip``, password-protected; the same CSV
openai/simple-evals reads; EvalScope's ``AI-ModelScope/gpqa_diamond``, split ``train``); columns ``Question``,
``Correct Answer``, ``Incorrect Answer 1..3``, ``Record ID``, ``High-level domain``, ``Subdomain``. Local data: the
official zip as it is published (``local_path`` naming ``dataset.zip`` or a zip holding ``gpqa_diamond.csv``, or a
folder with one; read in memory with the authors' published password, ``extra_params.zip_password``, so the questions
never land on disk in plain text), or the CSV unzipped as ``train.csv`` in a folder, or ``local_path`` naming the CSV.
Choices are shuffled as simple-evals does: one ``random.Random(0)`` drawing ``sample(range(4), 4)`` per row in file
order, applied to ``[correct, incorrect 1, 2, 3]`` (so the answer key is the same on every run and machine).
0-shot, EvalScope's single-answer chain-of-thought prompt; ``acc`` is exact match of the extracted letter.

Official number reproduced: the answer key and option order equal simple-evals' for all 198 rows, and the correct
letter's answer scores 1.0 on every row, a wrong one 0.0 (tests/unit/benchmarks/test_gpqa_diamond.py, on the
shared copy). No published model outputs were at hand to compare accuracies.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

from evalscope.api import Sample
from evalscope.benchmarks.base import BenchmarkMeta
from evalscope.benchmarks.multiple_choice import MCQ_TEMPLATE, MultipleChoiceBenchmark, mcq_sample
from evalscope.data.readers import SUFFIXES
from evalscope.errors import DatasetError
from evalscope.registry import register

SHUFFLE_SEED = 0
ZIP_PASSWORD = "deserted-untie-orchid"  # published by the GPQA authors with dataset.zip (their README)
ZIP_NAMES = ("gpqa_diamond.zip", "dataset.zip")
CSV_MEMBER = "gpqa_diamond.csv"


def read_zip(path: Path, password: str) -> Iterator[dict[str, Any]]:
    """The rows of the ``gpqa_diamond.csv`` inside the (encrypted) zip at ``path``, decrypted in memory."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"gpqa_diamond: {path} is not a readable zip file ({exc})") from None
    with archive:
        members = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == CSV_MEMBER]
        if not members:
            raise DatasetError(f"gpqa_diamond: {path} holds no {CSV_MEMBER} (members: "
                               f"{', '.join(archive.namelist()[:10]) or 'none'})")
        try:
            data = archive.read(min(members, key=len), pwd=password.encode())
        except RuntimeError as exc:  # zipfile's "Bad password for file"
            raise DatasetError(f"gpqa_diamond: cannot decrypt {path} ({exc}); set "
                               "dataset_args.gpqa_diamond.extra_params.zip_password") from None
    yield from csv.DictReader(io.StringIO(data.decode("utf-8-sig")))


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
        extra_params={"zip_password": ZIP_PASSWORD},
    )

    def local_files(self, root: Path, subset: str, split: str) -> Optional[list[Path]]:
        """A folder holding only the published zip (no unzipped data file) is read through the zip."""
        if split != self.eval_split or any(p.name.endswith(SUFFIXES) for p in root.iterdir()):
            return None
        found = [root / name for name in ZIP_NAMES if (root / name).is_file()]
        return found[:1] or None

    def read_local_file(self, path: Path) -> Optional[Iterator[dict[str, Any]]]:
        return read_zip(path, str(self.extra("zip_password"))) if path.suffix == ".zip" else None

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        options = [str(record[k]) for k in ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                                            "Incorrect Answer 3")]
        order = permutation_of(index)
        choices = [options[i] for i in order]
        return mcq_sample(index, str(record["Question"]), choices, choices.index(options[0]),
                          record_id=record.get("Record ID"), domain=record.get("High-level domain"),
                          subdomain=record.get("Subdomain"))
