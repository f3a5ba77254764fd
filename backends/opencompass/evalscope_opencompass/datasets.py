"""EvalScope's OpenCompass dataset names -> OpenCompass dataset configs (pure: no ``opencompass`` import).

A name (``ARC_c``, ``gsm8k``, ``mmlu``, ``ceval``, ...) is the one EvalScope's OpenCompass backend
lists; it maps to the "gen" config EvalScope picks (``ARC_c`` -> ``configs/datasets/ARC_c/ARC_c_gen_1e0de5.py``,
variable ``ARC_c_datasets``). Any other name is taken as an OpenCompass config file stem
(``gsm8k_gen_17d0dc``) and looked up in the installed package by the harness. A custom dataset is a
``.jsonl``/``.csv`` file in OpenCompass's custom format (QA: ``question``, ``answer``; MCQ: ``question``,
``A``, ``B``, ... and ``answer``), built by OpenCompass's own ``make_custom_dataset_config``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, field_validator

from evalscope.backend.paths import caller_path

# name -> "<folder>/<config file stem>" under opencompass/configs/datasets (EvalScope's list and choice)
CONFIGS: dict[str, str] = {
    "agieval": "agieval/agieval_gen_64afd3",
    "ARC_c": "ARC_c/ARC_c_gen_1e0de5",
    "ARC_e": "ARC_e/ARC_e_gen_1e0de5",
    "ceval": "ceval/ceval_gen_5f30c7",
    "afqmc": "CLUE_afqmc/CLUE_afqmc_gen_901306",
    "C3": "CLUE_C3/CLUE_C3_gen_8c358f",
    "cmnli": "CLUE_cmnli/CLUE_cmnli_gen_1abf97",
    "CMRC": "CLUE_CMRC/CLUE_CMRC_gen_1bd3c8",
    "DRCD": "CLUE_DRCD/CLUE_DRCD_gen_1bd3c8",
    "ocnli": "CLUE_ocnli/CLUE_ocnli_gen_c4cb6c",
    "cmb": "cmb/cmb_gen_dfb5c4",
    "cmmlu": "cmmlu/cmmlu_gen_c13365",
    "bustm": "FewCLUE_bustm/FewCLUE_bustm_gen_634f41",
    "chid": "FewCLUE_chid/FewCLUE_chid_gen_0a29a2",
    "cluewsc": "FewCLUE_cluewsc/FewCLUE_cluewsc_gen_c68933",
    "csl": "FewCLUE_csl/FewCLUE_csl_gen_28b223",
    "eprstmt": "FewCLUE_eprstmt/FewCLUE_eprstmt_gen_740ea0",
    "ocnli_fc": "FewCLUE_ocnli_fc/FewCLUE_ocnli_fc_gen_f97a97",
    "tnews": "FewCLUE_tnews/FewCLUE_tnews_gen_b90e4a",
    "GaokaoBench": "GaokaoBench/GaokaoBench_gen_5cfe9e",
    "gsm8k": "gsm8k/gsm8k_gen_1d7fe4",
    "hellaswag": "hellaswag/hellaswag_gen_6faab5",
    "humaneval": "humaneval/humaneval_gen_8e312c",
    "lambada": "lambada/lambada_gen_217e11",
    "lcsts": "lcsts/lcsts_gen_8ee1fe",
    "math": "math/math_gen_265cce",
    "mbpp": "mbpp/mbpp_gen_830460",
    "mmlu": "mmlu/mmlu_gen_4d595a",
    "nq": "nq/nq_gen_c788f6",
    "obqa": "obqa/obqa_gen_9069e4",
    "piqa": "piqa/piqa_gen_1194eb",
    "PMMEval": "PMMEval/pmmeval_gen",
    "race": "race/race_gen_69ee4f",
    "siqa": "siqa/siqa_gen_e78df3",
    "storycloze": "storycloze/storycloze_gen_7f656a",
    "strategyqa": "strategyqa/strategyqa_gen_1180a7",
    "summedits": "summedits/summedits_gen_315438",
    "AX_b": "SuperGLUE_AX_b/SuperGLUE_AX_b_gen_4dfefa",
    "AX_g": "SuperGLUE_AX_g/SuperGLUE_AX_g_gen_68aac7",
    "BoolQ": "SuperGLUE_BoolQ/SuperGLUE_BoolQ_gen_883d50",
    "CB": "SuperGLUE_CB/SuperGLUE_CB_gen_854c6c",
    "COPA": "SuperGLUE_COPA/SuperGLUE_COPA_gen_91ca53",
    "MultiRC": "SuperGLUE_MultiRC/SuperGLUE_MultiRC_gen_27071f",
    "ReCoRD": "SuperGLUE_ReCoRD/SuperGLUE_ReCoRD_gen_30dea0",
    "RTE": "SuperGLUE_RTE/SuperGLUE_RTE_gen_68aac7",
    "WiC": "SuperGLUE_WiC/SuperGLUE_WiC_gen_d06864",
    "WSC": "SuperGLUE_WSC/SuperGLUE_WSC_gen_7902a7",
    "triviaqa": "triviaqa/triviaqa_gen_2121ce",
    "winogrande": "winogrande/winogrande_gen_458220",
    "Xsum": "Xsum/Xsum_gen_31397e",
}
STEM = re.compile(r"^[A-Za-z0-9_\-]+$")


class CustomDataset(BaseModel):
    """A local dataset file in OpenCompass's custom format (``--custom-dataset-path``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    path: str
    """A ``.jsonl`` or ``.csv`` file: QA rows ``{question, answer}``, MCQ rows ``{question, A, B, ..., answer}``."""
    data_type: Optional[Literal["qa", "mcq"]] = None
    """``qa`` or ``mcq``; default: OpenCompass's guess (``mcq`` when the first row has ``A`` and ``B``)."""
    infer_method: Literal["gen"] = "gen"
    """Only ``gen``: ``ppl`` needs the model's log-likelihoods, which a chat API does not give."""
    abbr: Optional[str] = None
    """Name in reports and OpenCompass's folders (default: the file name without extension)."""
    meta_path: Optional[str] = None
    """A ``.meta.json`` with OpenCompass's prompt overrides (default: ``<path>.meta.json`` when it exists)."""
    human_prompt: Optional[str] = None
    """OpenCompass's prompt template of the question (``{question}`` and the option columns)."""

    @field_validator("path")
    @classmethod
    def _ext(cls, v: str) -> str:
        if not v.endswith((".jsonl", ".csv")):
            raise ValueError(f"{v!r}: a custom dataset must be a .jsonl or .csv file")
        return v

    @property
    def name(self) -> str:
        return self.abbr or Path(self.path).name.split(".")[0]


def config_stem(name: str) -> Optional[str]:
    """``<folder>/<stem>`` of a known name (case-insensitive), ``None`` for a name the harness must look up."""
    if name in CONFIGS:
        return CONFIGS[name]
    lowered = {k.lower(): v for k, v in CONFIGS.items()}
    return lowered.get(name.lower())


def canonical(name: str) -> str:
    """A known name as EvalScope spells it (``arc_c`` -> ``ARC_c``), any other as given."""
    return next((k for k in CONFIGS if k.lower() == name.lower()), name)


def dataset_ref(name: str) -> dict[str, Any]:
    """The native config's entry of a named dataset: ``{name, config}`` (``config`` None: look it up)."""
    if not STEM.match(name):
        raise ValueError(f"{name!r} is not an OpenCompass dataset name (letters, digits, '_' and '-')")
    return {"name": canonical(name), "config": config_stem(name)}


def custom_ref(dataset: CustomDataset, test_range: Optional[Any]) -> dict[str, Any]:
    """The native config's entry of a custom dataset: OpenCompass's custom-dataset dict."""
    entry: dict[str, Any] = {"path": str(caller_path(dataset.path)), "abbr": dataset.name,
                             "infer_method": dataset.infer_method}
    for key in ("data_type", "human_prompt"):
        if getattr(dataset, key) is not None:
            entry[key] = getattr(dataset, key)
    if dataset.meta_path is not None:
        entry["meta_path"] = str(caller_path(dataset.meta_path))
    if test_range is not None:
        entry["test_range"] = test_range
    return {"name": dataset.name, "custom": entry}

