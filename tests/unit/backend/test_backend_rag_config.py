"""The RAGEval plugin's pure parts: eval_config validation and MTEB results -> Reports (no heavy deps)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evalscope.errors import ConfigError

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "rag"


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_rag" or m.startswith("evalscope_rag.")]:
        del sys.modules[name]  # later tests must not see the plugin as importable in-process


def parse(data):
    from evalscope_rag.config import parse_config

    return parse_config(data)


def test_evalscope_spellings_are_accepted():
    cfg = parse({"tool": "mteb", "model": [{"model_name_or_path": "/m/all-MiniLM-L6-v2"}],
                 "eval": {"tasks": ["STSBenchmark"], "topk": 5, "custom_tasks": ["/data/my_retrieval"]}})
    assert cfg.tool == "MTEB" and cfg.eval.task_names == ["STSBenchmark"] and cfg.eval.top_k == 5
    assert cfg.models[0].kind == "local" and cfg.models[0].report_name == "all-MiniLM-L6-v2"
    assert cfg.eval.custom_tasks[0].name == "my_retrieval" and cfg.eval.custom_tasks[0].type == "Retrieval"
    assert parse({"tool": "CMTEB", "models": [{"model_name_or_path": "m"}], "eval": {"task_names": ["T2"]}}).tool == "CMTEB"


def test_api_model_and_dimensions_default_to_unset():
    cfg = parse({"tool": "MTEB", "models": [{"model_name": "emb", "api_base": "http://127.0.0.1:1/v1", "api_key": "sk-1"}],
                 "eval": {"task_names": ["STSBenchmark"]}})
    model = cfg.models[0]
    assert model.kind == "api" and model.dimensions is None
    assert "sk-1" not in repr(cfg) and model.api_key.get_secret_value() == "sk-1"


@pytest.mark.parametrize("data,match", [
    ({"tool": "MTEB", "models": [{"model_name": "m", "api_base": "x", "dimension": 3}], "eval": {"task_names": ["a"]}},
     "Did you mean 'dimensions'"),
    ({"tool": "MTEB", "models": [{"model_name_or_path": "m", "pooling": "cls"}], "eval": {"task_names": ["a"]}},
     "Did you mean 'pooling_mode'"),
    ({"tool": "MTEB", "models": [{"model_name_or_path": "m"}], "eval": {"task_name": ["a"]}}, "Did you mean 'task_names'"),
    ({"tool": "RAGAS", "models": [{"model_name_or_path": "m"}], "eval": {"task_names": ["a"]}}, "use MTEB or CMTEB"),
    ({"tool": "MTEB", "models": [{"model_name_or_path": "m"}], "eval": {}}, "give task_names"),
    ({"tool": "MTEB", "models": [], "eval": {"task_names": ["a"]}}, "at least one model"),
    ({"tool": "MTEB", "models": [{"model_name_or_path": "m", "is_cross_encoder": True}], "eval": {"task_names": ["a"]}},
     "rerankers are not supported"),
    ({"tool": "MTEB", "models": [{"model_name": "m", "api_base": "x", "dimensions": 0}], "eval": {"task_names": ["a"]}},
     "dimensions"),
])
def test_mistakes_name_the_field(data, match):
    with pytest.raises(ConfigError, match=match):
        parse(data)


RAW = {
    "task_name": "STSBenchmark", "task_type": "STS", "main_score": "cosine_spearman", "mteb_version": "2.x",
    "evaluation_time": 1.0,
    "scores": {"test": [{"hf_subset": "default", "languages": ["eng-Latn"], "pearson": 0.8274,
                         "cosine_spearman": 0.8203, "main_score": 0.8203, "nested": {"x": 1}}]},
    "num_samples": {"test": {"default": 1379}},
}


def test_mteb_results_become_a_report_with_every_sub_score():
    from evalscope_rag.results import raw_to_report

    report = raw_to_report(RAW, "all-MiniLM-L6-v2")
    assert report.backend == "RAGEval" and report.dataset_name == "STSBenchmark"
    assert [m.name for m in report.metrics] == ["main_score", "pearson", "cosine_spearman"]
    assert report.score == 0.8203 and report.num == 1379
    assert report.metrics[0].categories[0].subsets[0].name == "test"
    assert report.execution.requested == report.execution.succeeded == 1379
    assert report.extra["main_score_name"] == "cosine_spearman" and report.extra["scores"] == RAW["scores"]


def test_multilingual_subsets_are_subsets():
    from evalscope_rag.results import raw_to_report

    raw = {**RAW, "scores": {"test": [{"hf_subset": "en", "main_score": 0.5}, {"hf_subset": "de", "main_score": 0.7}]},
           "num_samples": {"test": {"en": 10, "de": 30}}}
    report = raw_to_report(raw, "m")
    assert [s.name for s in report.metrics[0].categories[0].subsets] == ["test/en", "test/de"]
    assert report.score == pytest.approx(0.65)


def test_nan_sub_scores_are_left_out_and_extra_is_strict_json():
    import json

    from evalscope_rag.results import raw_to_report

    raw = {**RAW, "scores": {"test": [{"hf_subset": "default", "main_score": 0.9, "nauc_x": float("nan")}]}}
    report = raw_to_report(raw, "m")
    assert [m.name for m in report.metrics] == ["main_score"]
    assert report.extra["scores"]["test"][0]["nauc_x"] is None
    json.loads(json.dumps(report.model_dump(mode="json"), allow_nan=False))


def test_paths_and_keys_expand_environment_variables(monkeypatch):
    monkeypatch.setenv("RAG_TEST_DIR", "/data")
    monkeypatch.setenv("RAG_TEST_KEY", "sk-env")
    cfg = parse({"tool": "MTEB", "models": [{"model_name": "m", "api_base": "http://127.0.0.1:1/v1", "api_key": "${RAG_TEST_KEY}"}],
                 "eval": {"local_data": {"STSBenchmark": "${RAG_TEST_DIR}/sts.csv"}}})
    assert cfg.eval.local_data["STSBenchmark"] == "/data/sts.csv"
    assert cfg.models[0].api_key.get_secret_value() == "sk-env"
    with pytest.raises(ConfigError, match="RAG_TEST_UNSET"):
        parse({"tool": "MTEB", "models": [{"model_name_or_path": "${RAG_TEST_UNSET}/m"}], "eval": {"task_names": ["a"]}})


def test_translate_takes_the_task_limit_unless_eval_limits_is_set(tmp_path):
    from evalscope_rag.backend import RAGBackend

    from evalscope.config import TaskConfig
    from evalscope.run_dir import RunDir

    base = {"tool": "MTEB", "models": [{"model_name": "m", "api_base": "http://127.0.0.1:1/v1", "api_key": "sk-2"}],
            "eval": {"task_names": ["STSBenchmark"]}}
    run_dir = RunDir(tmp_path)
    native = RAGBackend().translate(TaskConfig(eval_backend="RAGEval", eval_config=base, limit=5), run_dir)
    assert native["limit"] == 5 and native["reuse"] is False
    assert native["config"]["models"][0]["api_key"] == "sk-2"  # in memory only; execute() masks the file
    assert native["output_folder"] == str((run_dir.backend_dir("RAGEval") / "outputs").resolve())
    limited = {**base, "eval": {**base["eval"], "limits": 7, "overwrite_results": False}}
    native = RAGBackend().translate(TaskConfig(eval_backend="RAGEval", eval_config=limited, limit=5), run_dir)
    assert native["limit"] == 7 and native["reuse"] is True


def test_sts_and_beir_readers_name_the_bad_line(tmp_path):
    from evalscope_rag.tasks import read_beir, read_sts_pairs

    from evalscope.errors import DatasetError

    tsv = tmp_path / "sts.csv"
    tsv.write_text('main-news\tf\t2012\t1\t4.2\tA "quoted" man.\tA man.\textra\nmain-news\tf\t2012\t2\tx\ta\tb\n')
    with pytest.raises(DatasetError, match=r"sts.csv:2: column 5 must be the score"):
        read_sts_pairs(tsv)
    tsv.write_text('main-news\tf\t2012\t1\t4.2\tA "quoted" man.\tA man.\textra\n')
    assert read_sts_pairs(tsv) == {"sentence1": ['A "quoted" man.'], "sentence2": ["A man."], "score": [4.2]}
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"sentence1": "a", "sentence2": "b", "score": 1}\n{"sentence1": "a"}\n')
    with pytest.raises(DatasetError, match=r"pairs.jsonl:2: need sentence1, sentence2"):
        read_sts_pairs(pairs)

    beir = tmp_path / "beir"
    beir.mkdir()
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "text": "doc"}\n')
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "query"}\n{"_id": "q2", "text": "unjudged"}\n')
    with pytest.raises(DatasetError, match="need qrels.jsonl or qrels/test.tsv"):
        read_beir(beir, "test")
    (beir / "qrels.jsonl").write_text('{"query-id": "q1", "corpus-id": "d1", "score": 1}\n')
    corpus, queries, qrels = read_beir(beir, "test")
    assert [q["id"] for q in queries] == ["q1"] and qrels == {"q1": {"d1": 1}} and corpus[0]["id"] == "d1"
