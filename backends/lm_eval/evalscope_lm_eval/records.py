"""lm-eval's ``samples_<task>_<ts>.jsonl`` -> evalscope prediction and review records (pure).

lm-eval writes one line per (sample, filter); here a sample becomes one PredictionRecord (the
prompt as chat messages when lm-eval sent messages, the raw response) and one ReviewRecord whose
``score`` holds every ``<metric>[/<filter>]`` and whose ``score_metadata`` keeps each filter's
extracted answer. The first filter's extraction is ``extracted_prediction``.
"""

from __future__ import annotations

import json
from typing import Any

from evalscope.api import ChatMessage, ModelOutput
from evalscope.native.records import PredictionRecord, ReviewRecord, stable_hash
from evalscope_lm_eval.results import metric_label


def prompt_messages(prompt: Any) -> list[ChatMessage]:
    """lm-eval's request context: a JSON list of chat messages (chat templates) or plain text."""
    if isinstance(prompt, str):
        try:
            data = json.loads(prompt)
        except ValueError:
            data = None
        if isinstance(data, list) and data and all(isinstance(m, dict) and "role" in m for m in data):
            return [ChatMessage(role=m["role"], content=str(m.get("content") or "")) for m in data]
    return [ChatMessage(role="user", content=prompt if isinstance(prompt, str) else json.dumps(prompt))]


def _first(value: Any) -> str:
    while isinstance(value, list) and value:
        value = value[0]
    return "" if value is None or value == [] else str(value)


def _context(row: dict[str, Any]) -> Any:
    args = row.get("arguments")
    if isinstance(args, dict) and args:
        first = next(iter(args.values()))
        context = first.get("arg_0") if isinstance(first, dict) else first
        return context[0] if isinstance(context, list) and len(context) == 1 else context  # 0.4.13: [text]
    if isinstance(args, list) and args:
        return args[0][0] if isinstance(args[0], list) else args[0]
    return ""


def to_records(rows: list[dict[str, Any]], task: str, model: str,
               subset: str = "default") -> tuple[list[PredictionRecord], list[ReviewRecord]]:
    """One prediction and one review per ``doc_id`` (the filters' lines merged)."""
    by_doc: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_doc.setdefault(row.get("doc_id"), []).append(row)
    predictions, reviews = [], []
    for doc_id, lines in by_doc.items():
        first = lines[0]
        target = first.get("target")
        target = [str(t) for t in target] if isinstance(target, list) else str(target if target is not None else "")
        messages = prompt_messages(_context(first))
        response = _first(first.get("resps"))
        predictions.append(PredictionRecord(
            sample_id=str(doc_id), subset=subset, model=model,
            input_hash=stable_hash([m.model_dump(exclude_none=True) for m in messages]),
            messages=messages, target=target, output=ModelOutput(content=response)))
        score: dict[str, float] = {}
        filtered: dict[str, str] = {}
        for line in lines:
            flt = str(line.get("filter") or "none")
            filtered[flt] = _first(line.get("filtered_resps"))
            for metric in line.get("metrics") or []:
                value = line.get(metric)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    score[metric_label(f"{metric},{flt}")] = float(value)
        reviews.append(ReviewRecord(
            sample_id=str(doc_id), subset=subset, prediction_hash=stable_hash(response), prediction=response,
            extracted_prediction=next(iter(filtered.values()), ""), target=target, score=score,
            score_metadata={"harness": "lm-eval", "task": task, "filtered": filtered,
                            "doc_hash": first.get("doc_hash")}))
    return predictions, reviews
