"""The lm-eval plugin's pure parts: eval_config validation and the native config (no lm_eval import)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "lm_eval"


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_lm_eval" or m.startswith("evalscope_lm_eval.")]:
        del sys.modules[name]  # later tests must not see the plugin as importable in-process


def translate(task, tmp_path):
    from evalscope_lm_eval.translate import translate as tr

    return tr(task, tmp_path / "backends" / "lm-eval")


def unified(**kw):
    base = dict(model="qwen", api_url="http://127.0.0.1:8000/v1/chat/completions", api_key="sk-secret-7",
                eval_backend="lm-eval", datasets=["gsm8k_local"], limit=5, eval_batch_size=4,
                generation_config={"temperature": 0.0, "max_tokens": 64})
    base.update(kw)
    return TaskConfig(**base)


def test_unified_flags_become_local_chat_completions(tmp_path):
    native = translate(unified(), tmp_path)
    assert native["model"] == "local-chat-completions"
    args = native["model_args"]
    assert args["base_url"] == "http://127.0.0.1:8000/v1/chat/completions"
    assert args["model"] == "qwen" and args["num_concurrent"] == 4
    assert args["tokenizer_backend"] is None and args["tokenized_requests"] is False
    assert native["tasks"] == ["gsm8k_local"] and native["limit"] == 5
    assert native["apply_chat_template"] is True
    assert native["gen_kwargs"] == {"temperature": 0.0, "do_sample": False, "max_gen_toks": 64}
    assert native["env"] == {"OPENAI_API_KEY": "sk-secret-7"}
    assert native["output_path"] == str((tmp_path / "backends" / "lm-eval" / "outputs").resolve())


def test_base_url_is_completed_per_model_class(tmp_path):
    native = translate(unified(api_url="http://h:1/v1", eval_config={"model": "local-completions"}), tmp_path)
    assert native["model_args"]["base_url"] == "http://h:1/v1/completions"
    native = translate(unified(api_url="http://h:1/v1/completions"), tmp_path)
    assert native["model_args"]["base_url"] == "http://h:1/v1/chat/completions"


def test_eval_config_wins_over_the_flags(tmp_path):
    cfg = {"tasks": "a,b", "limit": 2, "gen_kwargs": {"max_gen_toks": 9}, "num_concurrent": 2,
           "model_args": {"timeout": 30}, "system_instruction": "be brief", "num_fewshot": 3}
    native = translate(unified(eval_config=cfg), tmp_path)
    assert native["tasks"] == ["a", "b"] and native["limit"] == 2 and native["num_fewshot"] == 3
    assert native["gen_kwargs"]["max_gen_toks"] == 9 and native["gen_kwargs"]["temperature"] == 0.0
    assert native["model_args"]["num_concurrent"] == 2 and native["model_args"]["timeout"] == 30
    assert native["system_instruction"] == "be brief"


def test_tokenizer_turns_on_tokenized_requests(tmp_path):
    tok = tmp_path / "tok"
    tok.mkdir()
    native = translate(unified(eval_config={"model": "local-completions", "tokenizer": str(tok)}), tmp_path)
    assert native["model_args"]["tokenizer"] == str(tok.resolve())
    assert native["model_args"]["tokenizer_backend"] == "huggingface"
    assert "tokenized_requests" not in native["model_args"]


@pytest.mark.parametrize("cfg, needle", [
    ({"taks": ["x"]}, "tasks"),
    ({"model": "hf"}, "model"),
    ({"output_path": "../out"}, "output_path"),
    ({"limit": 0}, "limit"),
])
def test_bad_config_names_the_field(tmp_path, cfg, needle):
    with pytest.raises(ConfigError, match=needle):
        translate(unified(eval_config=cfg), tmp_path)


def test_no_tasks_and_no_api_model_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="no tasks"):
        translate(unified(datasets=[]), tmp_path)
    with pytest.raises(ConfigError, match="--api-url"):
        translate(TaskConfig(model="/models/x", eval_backend="lm-eval", datasets=["t"]), tmp_path)
    with pytest.raises(ConfigError, match="include_path"):
        translate(unified(eval_config={"include_path": str(tmp_path / "nope")}), tmp_path)


def test_native_config_file_is_masked(tmp_path):
    from evalscope.secrets import mask_config

    native = translate(unified(), tmp_path)
    assert "sk-secret-7" not in json.dumps(mask_config(native))


def test_both_names_reach_the_same_backend():
    from evalscope.registry import registry

    assert registry.get("backend", "lm_eval")().spec is registry.get("backend", "lm-eval")().spec
    from evalscope.backend.external import external_specs, find_spec

    assert [s.name for s in external_specs()].count("lm-eval") == 1
    assert find_spec("lm-eval").env == find_spec("lm_eval").env == "lm_eval"
