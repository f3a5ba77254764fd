"""Prediction + review records -> ``SampleRow``, tolerantly: unknown fields kept, missing ones ``None``."""

from __future__ import annotations

from typing import Any, Optional

from evalscope.report.store.models import ImageRef, SampleRow

_PREDICTION_KEYS = {"sample_id", "repeat", "subset", "model", "messages", "target", "output", "error",
                    "input_hash", "timestamp"}
_REVIEW_KEYS = {"sample_id", "repeat", "subset", "prediction", "extracted_prediction", "target", "score", "error",
                "prediction_hash", "scoring_hash"}
_JUDGE_WORDS = ("judge", "explanation", "rationale", "reasoning")


def text_of(content: Any) -> Optional[str]:
    """The text of a content value: a string, or a list of parts (text parts joined)."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content)


def _str(value: Any) -> Optional[str]:
    return None if value is None else value if isinstance(value, str) else str(value)


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):  # a Score-like record: {"value": 1.0, "explanation": ...}
        return _number(value.get("value"))
    return None


def main_score(score: Any) -> Optional[float]:
    """The first metric's value of a review's ``score`` (a mapping of numbers or of ``{value: ...}``)."""
    if isinstance(score, dict) and score:
        return _number(next(iter(score.values())))
    return _number(score)


def images_of(messages: list[Any]) -> list[ImageRef]:
    refs = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for part in content:
            if isinstance(part, dict) and part.get("type") not in (None, "text"):
                kind = str(part.get("type"))
                source = part.get("source") or part.get(kind)
                if isinstance(source, str) and source.startswith("data:"):
                    source = "inline"
                refs.append(ImageRef(type=kind, sha256=_str(part.get("sha256")), source=_str(source),
                                     media_type=_str(part.get("media_type"))))
    return refs


def _is_judge_key(key: str, value: Any) -> bool:
    return key not in _REVIEW_KEYS and isinstance(value, str) and any(w in key.lower() for w in _JUDGE_WORDS)


def _judge(review: dict[str, Any]) -> Optional[str]:
    texts = [v for k, v in review.items() if _is_judge_key(k, v)]
    score = review.get("score")
    if isinstance(score, dict):
        for name, value in score.items():
            if isinstance(value, dict) and isinstance(value.get("explanation"), str):
                texts.append(f"{name}: {value['explanation']}")
    return "\n\n".join(texts) or None


def _answer(output: Any) -> tuple[Optional[str], Optional[str], Optional[dict], Optional[float]]:
    if not isinstance(output, dict):
        return _str(output), None, None, None
    answer = text_of(output.get("content"))
    if answer is None and output.get("choices"):
        answer = text_of(output["choices"][0])
    usage = output.get("usage") if isinstance(output.get("usage"), dict) else None
    return answer, _str(output.get("reasoning_content")), usage, _number(output.get("latency"))


def build_row(index: int, prediction: Optional[dict[str, Any]], review: Optional[dict[str, Any]]) -> SampleRow:
    pred, rev = prediction or {}, review or {}
    messages = [m for m in pred.get("messages") or [] if isinstance(m, dict)]
    answer, reasoning, usage, latency = _answer(pred.get("output"))
    errors = [e for e in (_str(pred.get("error")), _str(rev.get("error"))) if e]
    score = rev.get("score") if isinstance(rev.get("score"), dict) else None
    extra = {k: v for k, v in pred.items() if k not in _PREDICTION_KEYS}
    extra.update({f"review.{k}": v for k, v in rev.items() if k not in _REVIEW_KEYS and not _is_judge_key(k, v)})
    repeat = pred.get("repeat", rev.get("repeat", 0))
    return SampleRow(
        index=index, sample_id=_str(pred.get("sample_id", rev.get("sample_id"))),
        repeat=repeat if isinstance(repeat, int) else 0, subset=_str(pred.get("subset", rev.get("subset"))),
        model=_str(pred.get("model")), messages=messages, images=images_of(messages),
        target=_str(pred.get("target", rev.get("target"))), answer=answer, reasoning=reasoning,
        prediction=_str(rev.get("prediction")), extracted=_str(rev.get("extracted_prediction")),
        score=score, main_score=main_score(score) if score else None, judge=_judge(rev),
        error="; ".join(errors) or None, usage=usage, latency=latency, extra=extra,
    )


def searchable(row: SampleRow) -> str:
    """The text that full-text search looks in (prompt, answers, reference, error, id, judge), case-folded."""
    parts = [text_of(m.get("content")) or "" for m in row.messages]
    parts += [row.answer or "", row.prediction or "", row.extracted or "", row.target or "", row.error or "",
              row.sample_id or "", row.judge or ""]
    return "\n".join(parts).casefold()


def record_text(record: dict[str, Any], kind: str) -> str:
    """What full-text search looks in, of one prediction (prompt, raw answer, reference, error, id) or review
    (scored prediction, extracted answer, reference, error, id, the judge's reasoning), case-folded. A sample
    matches when one of its records does: the same fields as :func:`searchable` of the joined row."""
    if kind == "prediction":
        parts = [text_of(m.get("content")) or "" for m in record.get("messages") or [] if isinstance(m, dict)]
        parts.append(_answer(record.get("output"))[0] or "")
    else:
        parts = [_str(record.get("prediction")) or "", _str(record.get("extracted_prediction")) or "",
                 _judge(record) or ""]
    parts += [_str(record.get(k)) or "" for k in ("target", "error", "sample_id")]
    return "\n".join(parts).casefold()
