"""A RAG run directory laid out as the RAGEval backend writes it (its raw MTEB files under backends/RAGEval/, the
reports made from them by the backend's own converter, ``evalscope_rag.results``, which is pure): the run store
lists it as a RAG run, and the HTML report shows its scores. A run of MTEB itself is in tests/e2e/test_app_rag_run.py
(it needs the RAG backend's environment)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from test_store_fixtures import age

from evalscope.report.html import render
from evalscope.report.io import write_report
from evalscope.report.store import RunStore, SampleQuery

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "backends" / "rag"))
from evalscope_rag.results import raw_to_report, write_raw  # noqa: E402

RAW = {"task_name": "STSBenchmark", "task_type": "STS", "main_score": "cosine_spearman", "mteb_version": "2.26.24",
       "evaluation_time": 12.3, "num_samples": {"test": {"default": 1379}},
       "scores": {"test": [{"hf_subset": "default", "languages": ["eng-Latn"], "main_score": 0.8203,
                            "cosine_spearman": 0.8203, "cosine_pearson": 0.8274, "manhattan_spearman": float("nan")}]}}


def test_a_rag_run_is_listed_as_rag_with_its_scores(tmp_path):
    run = tmp_path / "outputs" / "20260105_101010"
    (run / "configs").mkdir(parents=True)
    (run / "configs" / "task_config.yaml").write_text(yaml.safe_dump({
        "eval_backend": "RAGEval", "model": None, "datasets": [],
        "eval_config": {"tool": "MTEB", "models": [{"model_name_or_path": "/m", "name": "all-MiniLM-L6-v2"}]}}))
    raw = write_raw(run / "backends" / "RAGEval" / "results", "all-MiniLM-L6-v2", RAW)
    write_report(run / "reports", raw_to_report(RAW, "all-MiniLM-L6-v2", "RAGEval"))
    age(run, 3600)
    store = RunStore([tmp_path / "outputs"])
    [info] = store.runs()
    assert (info.kind, info.backend, info.status, info.models) == ("rag", "RAGEval", "complete",
                                                                  ["all-MiniLM-L6-v2"])
    assert info.scores == {"all-MiniLM-L6-v2@STSBenchmark": 0.8203} and raw.is_file()
    assert store.sample_files(info.id) == [] and store.samples(info.id, SampleQuery()).total == 0
    text = render([run])
    assert "STSBenchmark" in text and "cosine_pearson" in text and "0.8274" in text and "<script" not in text
