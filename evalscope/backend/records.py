"""Per-sample records of an external harness, written where the Native backend writes its own
(``predictions/<model>/<benchmark>_<subset>.jsonl``, ``reviews/...``), so that viewers read them alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from evalscope.native.records import PredictionRecord, ReviewRecord
    from evalscope.run_dir import RunDir


def write_records(run_dir: "RunDir", model: str, benchmark: str, subset: str,
                  predictions: Iterable["PredictionRecord"], reviews: Iterable["ReviewRecord"]) -> None:
    """Replace the prediction and review files of one (model, benchmark, subset) with these records."""
    from evalscope.native.records import JsonlAppender

    for records, target in ((predictions, run_dir.prediction_file(model, benchmark, subset)),
                            (reviews, run_dir.review_file(model, benchmark, subset))):
        appender = JsonlAppender(target, truncate=True)
        try:
            for record in records:
                appender.append(record)
        finally:
            appender.close()
