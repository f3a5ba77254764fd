"""VLMEvalKit's per-sample files -> the run's ``predictions/`` and ``reviews/`` jsonl (pure: stdlib csv).

Per model and dataset VLMEvalKit leaves (with ``EVAL_FORMAT=csv`` set, the detail files stay TSV):

- VQA (DocVQA): ``<model>_<dataset>_results.tsv`` with ``eval_match``, the normalized distance to
  each reference; the sample's ANLS is VLMEvalKit's: ``1 - min``, kept when ``>= 0.5``, else 0;
- multiple choice (RealWorldQA): ``<model>_<dataset>_<judge>_result.tsv`` with ``hit`` (0/1) and ``log``.

Each sample becomes one PredictionRecord (the question as a user message; images are in the TSV,
not copied) and one ReviewRecord, in the subset of its ``category`` (else ``default``), so that
tables and viewers read a VLMEvalKit run like a Native one.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Optional

from evalscope_vlmevalkit.results import FAIL_MSG, metric_name, pred_path, read_table


def detail_file(work_dir: Path, model: str, dataset: str) -> Optional[Path]:
    folder = Path(work_dir) / model
    vqa = folder / f"{model}_{dataset}_results.tsv"
    if vqa.exists():
        return vqa
    judged = sorted(folder.glob(f"{model}_{dataset}_*_result.tsv"))
    return judged[0] if judged else None


def vqa_score(row: dict[str, str]) -> Optional[float]:
    try:
        distances = ast.literal_eval(row["eval_match"])
    except (KeyError, ValueError, SyntaxError):
        return None
    if not distances:
        return None
    best = 1 - min(float(d) for d in distances)
    return 0.0 if best < 0.5 else best


def sample_score(row: dict[str, str], dataset: str) -> Optional[float]:
    if "eval_match" in row and metric_name(dataset) == "anls":
        return vqa_score(row)
    if "eval_score" in row:
        try:
            return float(row["eval_score"])
        except ValueError:
            return None
    if "hit" in row:
        try:
            return float(row["hit"])
        except ValueError:
            return None
    return None


def _targets(text: str) -> Any:
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
            if isinstance(value, list):
                return [str(v) for v in value]
        except (ValueError, SyntaxError):
            pass
    return text


def write_samples(run_root: Path, work_dir: Path, model: str, dataset: str, reviews: bool = True) -> int:
    """Write the predictions (and with ``reviews`` the reviews) of one dataset; the number of samples."""
    from evalscope.api.messages import ChatMessage
    from evalscope.api.model import ModelOutput
    from evalscope.native.records import JsonlAppender, PredictionRecord, ReviewRecord, stable_hash
    from evalscope.run_dir import RunDir

    preds = pred_path(work_dir, model, dataset)
    if not preds.exists():
        return 0
    details = detail_file(work_dir, model, dataset)
    scored = {r.get("index"): r for r in read_table(details, "\t")} if details else {}
    run_dir = RunDir(Path(run_root))
    metric = metric_name(dataset)
    files: dict[str, tuple[Any, Any]] = {}
    count = 0
    for row in read_table(preds, "\t"):
        subset = (row.get("category") or "").strip() or "default"
        if subset not in files:
            files[subset] = (JsonlAppender(run_dir.prediction_file(model, dataset, subset), truncate=True),
                             JsonlAppender(run_dir.review_file(model, dataset, subset), truncate=True)
                             if reviews else None)
        sample_id = str(row.get("index", count))
        question = row.get("question", "")
        prediction = row.get("prediction", "")
        target = _targets(row.get("answer", ""))
        failed = prediction.strip().startswith(FAIL_MSG)
        messages = [ChatMessage(role="user", content=question)]
        files[subset][0].append(PredictionRecord(
            sample_id=sample_id, subset=subset, model=model, input_hash=stable_hash([question]),
            messages=messages, target=target, output=None if failed else ModelOutput(content=prediction),
            error=prediction if failed else None))
        count += 1
        if files[subset][1] is None:
            continue
        detail = scored.get(row.get("index"), {})
        score = None if failed else sample_score(detail, dataset)
        files[subset][1].append(ReviewRecord(
            sample_id=sample_id, subset=subset, prediction_hash=stable_hash(prediction), prediction=prediction,
            extracted_prediction=detail.get("eval_pred", prediction), target=target,
            score={} if score is None else {metric: score},
            explanation=detail.get("log") or None,
            score_metadata={"scorer": "VLMEvalKit", "file": details.name if details else None},
            error="the answer failed" if failed else (None if score is not None else "VLMEvalKit left no score")))
    for pred_file, review_file in files.values():
        pred_file.close()
        if review_file is not None:
            review_file.close()
    return count
