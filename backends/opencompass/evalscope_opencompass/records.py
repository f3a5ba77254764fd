"""OpenCompass's per-sample predictions and eval details -> evalscope prediction and review records (pure).

``predictions/<model>/<abbr>.json`` gives each sample's prompt (a string, or OpenCompass's
``[{role: HUMAN|BOT|SYSTEM, prompt}]`` list), the raw ``prediction`` and the ``gold``;
``details`` of ``results/<model>/<abbr>.json`` (``--dump-eval-details``) give the post-processed
``predictions``, the ``references`` and, when the evaluator says, ``correct`` (or, when OpenCompass could
not format them, the evaluator's own keys: ``parsed``/``pred``, ``refr``/``answer``). Evaluators that do not
(``AccEvaluator``) compare the strings, as they do: ``str(pred) == str(ref)``. Each review's ``score``
holds the dataset's first metric as 1.0/0.0; a sample with no verdict has an empty ``score``.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from evalscope.api import ChatMessage, ModelOutput
from evalscope.native.records import PredictionRecord, ReviewRecord, stable_hash

ROLES = {"HUMAN": "user", "BOT": "assistant", "SYSTEM": "system"}
# the keys of the post-processed answer and of the reference: OpenCompass's formatted details first, then the
# evaluators' own (OptionSimAccEvaluator: pred/parsed/refr; Gsm8kEvaluator: pred/answer), kept as they come
# when OpenCompass cannot format them
EXTRACTED = ("predictions", "parsed", "pred")
REFERENCE = ("references", "answer", "refr")


def prompt_messages(prompt: Any) -> list[ChatMessage]:
    """OpenCompass's ``origin_prompt`` as chat messages."""
    if isinstance(prompt, list) and all(isinstance(p, dict) for p in prompt):
        return [ChatMessage(role=ROLES.get(str(p.get("role", "HUMAN")).upper(), "user"),
                            content=str(p.get("prompt") or p.get("content") or "")) for p in prompt]
    return [ChatMessage(role="user", content="" if prompt is None else str(prompt))]


def _text(value: Any) -> str:
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return "" if value is None else str(value)


def _target(value: Any) -> Union[str, list[str]]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def _first_key(detail: dict[str, Any], keys: tuple[str, ...], default: Any) -> Any:
    return next((detail[k] for k in keys if k in detail), default)


def verdict(detail: dict[str, Any]) -> Optional[bool]:
    """The evaluator's ``correct``, else the string comparison ``AccEvaluator`` makes; ``None`` when unknown."""
    correct = detail.get("correct")
    if isinstance(correct, bool):
        return correct
    if isinstance(correct, list) and correct and all(isinstance(c, bool) for c in correct):
        return all(correct)
    if "predictions" in detail and "references" in detail:
        return str(detail["predictions"]) == str(detail["references"])
    return None


def to_records(predictions: list[dict[str, Any]], details: list[dict[str, Any]], model: str, subset: str,
               metric: str, abbr: str) -> tuple[list[PredictionRecord], list[ReviewRecord]]:
    """One prediction and one review per sample, in sample order."""
    preds, reviews = [], []
    for i, row in enumerate(predictions):
        messages = prompt_messages(row.get("origin_prompt"))
        response = _text(row.get("prediction"))
        target = _target(row.get("gold"))
        preds.append(PredictionRecord(
            sample_id=str(i), subset=subset, model=model,
            input_hash=stable_hash([m.model_dump(exclude_none=True) for m in messages]),
            messages=messages, target=target, output=ModelOutput(content=response)))
        detail = details[i] if i < len(details) else {}
        ok = verdict(detail)
        extracted = _text(_first_key(detail, EXTRACTED, response))
        reviews.append(ReviewRecord(
            sample_id=str(i), subset=subset, prediction_hash=stable_hash(response), prediction=response,
            extracted_prediction=extracted, target=_target(_first_key(detail, REFERENCE, row.get("gold"))),
            score={} if ok is None else {metric: 1.0 if ok else 0.0},
            score_metadata={"harness": "OpenCompass", "dataset_abbr": abbr,
                            **({"correct_from": "evaluator"} if isinstance(detail.get("correct"), (bool, list))
                               else {"correct_from": "string match"} if ok is not None else {})}))
    return preds, reviews
