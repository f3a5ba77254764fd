"""The typed model spec external backends receive, and RAGEval's translation of it (pure)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evalscope.backend.model_spec import APIModelSpec, LocalModelSpec, base_url, model_spec
from evalscope.config import TaskConfig
from evalscope.errors import ConfigError

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "rag"
EVAL = {"eval": {"task_names": ["STSBenchmark"]}}


@pytest.fixture
def rag(monkeypatch, tmp_path):
    """The RAG plugin's translate (pure: no mteb), its native config read back as the harness does."""
    monkeypatch.syspath_prepend(str(PLUGIN))
    from evalscope_rag.backend import RAGBackend
    from evalscope_rag.config import MTEBConfig

    from evalscope.run_dir import RunDir

    def translate(task):
        return MTEBConfig.model_validate(RAGBackend().translate(task, RunDir(tmp_path))["config"])

    yield translate
    for name in [m for m in sys.modules if m == "evalscope_rag" or m.startswith("evalscope_rag.")]:
        del sys.modules[name]  # later tests must not see the plugin as importable in-process


def rag_task(**kw) -> TaskConfig:
    return TaskConfig(eval_backend="RAGEval", **{"eval_config": dict(EVAL), **kw})


@pytest.mark.parametrize("url,base", [
    ("http://h:1/v1", "http://h:1/v1"), ("http://h:1/v1/", "http://h:1/v1"),
    ("http://h:1/v1/chat/completions", "http://h:1/v1"), ("http://h:1/v1/embeddings", "http://h:1/v1"),
    ("http://h/v1/completions?api-version=1", "http://h/v1?api-version=1"),
])
def test_base_url(url, base):
    assert base_url(url) == base


def test_api_spec_from_the_unified_flags():
    spec = model_spec(rag_task(model="text-embedding-v3", api_url="http://127.0.0.1:9/v1/embeddings",
                               api_key="sk-1", generation_config="timeout=7,retries=2"))
    assert isinstance(spec, APIModelSpec)
    assert (spec.model, spec.name, spec.base_url) == ("text-embedding-v3", "text-embedding-v3", "http://127.0.0.1:9/v1")
    assert spec.api_key.get_secret_value() == "sk-1" and "sk-1" not in repr(spec)
    assert spec.generation.timeout == 7 and spec.generation.retries == 2


def test_local_spec_and_no_model():
    spec = model_spec(rag_task(model="/models/minilm", model_args={"device": "cpu"}, model_id="mini"))
    assert isinstance(spec, LocalModelSpec)
    assert (spec.path, spec.name, spec.engine, spec.engine_args) == ("/models/minilm", "mini", "llm_ckpt",
                                                                     {"device": "cpu"})
    assert model_spec(rag_task()) is None


def test_models_that_cannot_cross_are_config_errors():
    with pytest.raises(ConfigError, match="cannot be handed to an external harness"):
        model_spec(rag_task(model="my_mod:MyModel"))
    with pytest.raises(ConfigError, match="needs --model"):
        model_spec(rag_task(api_url="http://127.0.0.1:9/v1"))


def test_rag_api_model_from_the_flags(rag):
    cfg = rag(rag_task(model="emb", api_url="http://127.0.0.1:9/v1", api_key="sk-flag",
                       generation_config={"timeout": 9, "extra_headers": {"X-A": "b"}}))
    (m,) = cfg.models
    assert (m.kind, m.model_name, m.report_name, m.api_base) == ("api", "emb", "emb", "http://127.0.0.1:9/v1")
    assert m.api_key.get_secret_value() == "sk-flag" and m.timeout == 9 and m.headers == {"X-A": "b"}


def test_rag_local_model_from_the_flags(rag):
    (m,) = rag(rag_task(model="/models/minilm", model_args={"torch_dtype": "float32"})).models
    assert (m.kind, m.model_name_or_path, m.model_kwargs) == ("local", "/models/minilm", {"torch_dtype": "float32"})


def test_rag_eval_config_models_win(rag):
    own = {"model_name": "theirs", "api_base": "http://127.0.0.1:9/v1"}
    other = {"model_name": "other", "api_base": "http://127.0.0.1:10/v1"}
    keyed = {"model_name": "keyed", "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-own"}
    cfg = rag(rag_task(model="emb", api_url="http://127.0.0.1:9/v1/embeddings", api_key="sk-flag",
                       eval_config={**EVAL, "models": [own, other, keyed]}))
    assert [m.model_name for m in cfg.models] == ["theirs", "other", "keyed"]  # the flags add no model
    keys = [m.api_key and m.api_key.get_secret_value() for m in cfg.models]
    assert keys == ["sk-flag", None, "sk-own"]  # the key only for its own server, never over an explicit one


def test_rag_without_any_model_says_how(rag):
    with pytest.raises(ConfigError, match="RAGEval needs a model: eval_config.models, or --model"):
        rag(rag_task())


def test_runner_validate_checks_before_a_run_dir(tmp_path):
    from evalscope.run import run_task

    with pytest.raises(ConfigError, match="cannot be handed"):
        run_task(rag_task(model="my_mod:MyModel", work_dir=str(tmp_path / "out")))
    assert not (tmp_path / "out").exists()
