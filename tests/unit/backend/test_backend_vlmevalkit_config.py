"""The VLMEvalKit plugin's pure parts: eval_config validation and the native config (no vlmeval)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "vlmevalkit"

API = {"name": "CustomAPIModel", "type": "qwen2.5-vl", "api_base": "http://127.0.0.1:8000/v1/chat/completions",
       "key": "sk-secret-1", "temperature": 0.2, "max_tokens": 64, "img_size": 512, "img_detail": "low",
       "video_llm": False, "system_prompt": "be brief"}
CONFIG = {"data": ["DocVQA_VAL", "RealWorldQA"], "model": [API], "mode": "all", "limit": 5, "reuse": False,
          "nproc": 8, "judge": "exact_matching", "retry": 2, "verbose": True, "ignore": False, "nframe": 4,
          "fps": -1, "use_subtitle": False, "work_dir": "vlm_out"}


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_vlmevalkit" or m.startswith("evalscope_vlmevalkit.")]:
        del sys.modules[name]  # later tests must not see the plugin as importable in-process


def parse(data):
    from evalscope_vlmevalkit.config import parse_config

    return parse_config(data)


def translate(task, tmp_path):
    from evalscope_vlmevalkit.translate import translate as tr

    return tr(task, tmp_path)


def test_evalscope_config_is_accepted_as_is():
    from evalscope_vlmevalkit.config import APIModel

    cfg = parse(CONFIG)
    assert cfg.data == ["DocVQA_VAL", "RealWorldQA"]
    model = cfg.model[0]
    assert isinstance(model, APIModel)
    assert (model.type, model.temperature, model.max_tokens, model.img_size, model.img_detail) == (
        "qwen2.5-vl", 0.2, 64, 512, "low")
    assert model.key.get_secret_value() == "sk-secret-1"
    assert (cfg.nproc, cfg.limit, cfg.judge, cfg.nframe, cfg.work_dir) == (8, 5, "exact_matching", 4, "vlm_out")


def test_local_form_keeps_constructor_kwargs():
    from evalscope_vlmevalkit.config import LocalModel

    cfg = parse({"data": "RealWorldQA", "model": [{"name": "qwen_chat", "model_path": "/m/qwen", "max_new_tokens": 9}]})
    assert cfg.data == ["RealWorldQA"]
    assert isinstance(cfg.model[0], LocalModel)
    assert cfg.model[0].kwargs == {"model_path": "/m/qwen", "max_new_tokens": 9}


@pytest.mark.parametrize("data, expected", [
    ({**CONFIG, "nproch": 3}, "Did you mean 'nproc'"),
    ({**CONFIG, "model": [{**API, "max_token": 3}]}, "Did you mean 'max_tokens'"),
    ({**CONFIG, "mode": "eval"}, "mode"),
    ({**CONFIG, "work_dir": "../elsewhere"}, "inside the run directory"),
    ({**CONFIG, "work_dir": "/abs"}, "inside the run directory"),
    ({**CONFIG, "model": [{**API, "api_base": "127.0.0.1:8000"}]}, "http(s) URL"),
    ({**CONFIG, "limit": -1}, "limit"),
])
def test_bad_config_is_one_clear_error(data, expected):
    with pytest.raises(ConfigError) as info:
        parse(data)
    assert expected in str(info.value)
    assert "sk-secret-1" not in str(info.value)


def test_api_base_given_as_v1_is_completed():
    cfg = parse({**CONFIG, "model": [{**API, "api_base": "http://127.0.0.1:8000/v1/"}]})
    assert cfg.model[0].api_base == "http://127.0.0.1:8000/v1/chat/completions"


def test_native_config_from_eval_config(tmp_path):
    task = TaskConfig(eval_backend="VLMEvalKit", eval_config=CONFIG)
    native = translate(task, tmp_path)
    assert native["data"] == ["DocVQA_VAL", "RealWorldQA"]
    (model,) = native["models"]
    assert model["class"] == "CustomAPIModel" and model["name"] == "qwen2.5-vl"
    kw = model["kwargs"]
    assert (kw["model"], kw["api_base"], kw["key"], kw["temperature"], kw["max_tokens"]) == (
        "qwen2.5-vl", API["api_base"], "sk-secret-1", 0.2, 64)
    assert native["work_dir"] == str((tmp_path / "vlm_out").resolve())
    assert (native["nproc"], native["limit"], native["mode"], native["retry"]) == (8, 5, "all", 2)


def test_eval_config_as_json_string_and_yaml_file(tmp_path):
    from_json = TaskConfig(eval_backend="VLMEvalKit", eval_config=json.dumps(CONFIG))
    path = tmp_path / "cfg.yaml"
    import yaml

    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    from_yaml = TaskConfig(eval_backend="VLMEvalKit", eval_config=str(path))
    assert translate(from_json, tmp_path) == translate(from_yaml, tmp_path)


def test_unified_flags_build_the_same_native_config(tmp_path):
    unified = TaskConfig(model="qwen2.5-vl", api_url="http://127.0.0.1:8000/v1", api_key="sk-secret-1",
                         eval_backend="VLMEvalKit", datasets=["DocVQA_VAL", "RealWorldQA"], limit=5,
                         eval_batch_size=8, dataset_dir=str(tmp_path / "tsv"),
                         generation_config={"temperature": 0.2, "max_tokens": 64},
                         eval_config={"work_dir": "vlm_out"})
    explicit = TaskConfig(eval_backend="VLMEvalKit", eval_config={
        "data": ["DocVQA_VAL", "RealWorldQA"], "limit": 5, "nproc": 8, "work_dir": "vlm_out",
        "data_dir": str(tmp_path / "tsv"),
        "model": [{"name": "CustomAPIModel", "type": "qwen2.5-vl", "api_base": "http://127.0.0.1:8000/v1",
                   "key": "sk-secret-1", "temperature": 0.2, "max_tokens": 64}]})
    a, b = translate(unified, tmp_path), translate(explicit, tmp_path)
    for m in a["models"] + b["models"]:
        m["kwargs"].pop("timeout")  # the unified form carries generation_config.timeout when set
    assert a == b
    assert a["models"][0]["kwargs"]["api_base"] == "http://127.0.0.1:8000/v1/chat/completions"
    assert a["data_dir"] == str((tmp_path / "tsv").resolve())


def test_use_cache_means_reuse(tmp_path):
    task = TaskConfig(eval_backend="VLMEvalKit", eval_config=CONFIG, use_cache=str(tmp_path))
    assert translate(task, tmp_path)["reuse"] is True


def test_no_dataset_or_no_model_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no datasets"):
        translate(TaskConfig(eval_backend="VLMEvalKit", eval_config={"model": [API]}), tmp_path)
    with pytest.raises(ConfigError, match="no model"):
        translate(TaskConfig(eval_backend="VLMEvalKit", eval_config={"data": ["RealWorldQA"]}), tmp_path)


def test_judge_unified_or_evalscope_keys(tmp_path):
    from evalscope.secrets import mask_config

    task = TaskConfig(eval_backend="VLMEvalKit", eval_config=CONFIG, judge_model_args={
        "model": "judge-m", "api_url": "http://127.0.0.1:9000/v1", "api_key": "sk-judge-2"})
    env = translate(task, tmp_path)["env"]
    assert env == {"OPENAI_API_BASE": "http://127.0.0.1:9000/v1/chat/completions",
                   "OPENAI_API_KEY": "sk-judge-2", "LOCAL_LLM": "judge-m"}
    old = TaskConfig(eval_backend="VLMEvalKit", eval_config={
        **CONFIG, "OPENAI_API_KEY": "sk-judge-2", "OPENAI_API_BASE": "http://127.0.0.1:9000/v1/chat/completions",
        "LOCAL_LLM": "judge-m"})
    native = translate(old, tmp_path)
    assert native["env"] == env
    shown = json.dumps(mask_config(native))
    assert "sk-judge-2" not in shown and "sk-secret-1" not in shown


def test_shipped_config_is_valid(tmp_path):
    path = PLUGIN.parents[1] / "configs" / "vlmevalkit_docvqa_realworldqa.yaml"
    native = translate(TaskConfig(eval_backend="VLMEvalKit", eval_config=str(path)), tmp_path)
    assert native["data"] == ["DocVQA_VAL", "RealWorldQA"]
    assert native["models"][0]["kwargs"]["api_base"] == "http://127.0.0.1:8000/v1/chat/completions"
