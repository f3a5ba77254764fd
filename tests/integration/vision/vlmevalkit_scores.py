"""Run by the VLMEvalKit environment's python (not by pytest): scores predictions with VLMEvalKit's own code.

stdin: {"anls": [rows], "relaxed": [rows], "ocr": [rows]}, a row {"prediction", "answers", "category"}.
stdout: per table, each row's score by ``process_line`` + ``hit_calculate`` (the functions its VQA datasets
use) and the dataset-level result of ``ImageVQADataset.evaluate_heuristic`` (DocVQA_VAL, ChartQA_TEST) and
``OCRBench.evaluate``, each run on a pickled predictions file as VLMEvalKit writes them.
"""

import json
import os
import sys
import tempfile

import pandas as pd
from vlmeval.dataset.image_vqa import ImageVQADataset, OCRBench
from vlmeval.dataset.utils.vqa_eval import hit_calculate, process_line


def frame(rows):
    return pd.DataFrame([{"index": i, "question": "q", "answer": str(r["answers"]), "prediction": r["prediction"],
                          "category": r.get("category") or "none"} for i, r in enumerate(rows)])


def dataset(cls, name):
    obj = object.__new__(cls)  # evaluate() needs only the name; __init__ would download the TSV
    obj.dataset_name = name
    return obj


def main():
    cases = json.load(sys.stdin)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key, name, method in (("anls", "DocVQA_VAL", "anls"), ("relaxed", "ChartQA_TEST", "relaxed_accuracy")):
            data = frame(cases[key]).drop(columns="category")
            per_row = [float(hit_calculate([process_line(data.iloc[i], method)], name)[0]) for i in range(len(data))]
            path = os.path.join(tmp, f"{name}.pkl")
            data.to_pickle(path)
            overall = dataset(ImageVQADataset, name).evaluate_heuristic(path)
            out[key] = {"rows": per_row, "overall": float(overall["Overall"].iloc[0])}
        path = os.path.join(tmp, "OCRBench.pkl")
        frame(cases["ocr"]).to_pickle(path)
        out["ocr"] = dataset(OCRBench, "OCRBench").evaluate(path)
    sys.stdout.write("RESULT " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
