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
    ({**CONFIG, "model": [{**API, "api_base": "127.0.0.1:8000"}]}, "has no scheme"),
    ({**CONFIG, "model": [{**API, "api_base": "ftp://127.0.0.1:8000/v1"}]}, "must be http or https"),
    ({**CONFIG, "model": [{**API, "api_base": "http://127.0.0.1:0/v1"}]}, "port"),
    ({**CONFIG, "model": [{**API, "api_base": "http://127.0.0.1:8000/v1/completions"}]}, "plain completions"),
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


def test_api_base_keeps_its_query_after_the_path():
    cfg = parse({**CONFIG, "model": [{**API, "api_base": " http://127.0.0.1:8000/v1?api-version=2 "}]})
    assert cfg.model[0].api_base == "http://127.0.0.1:8000/v1/chat/completions?api-version=2"


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


def test_unified_local_model_becomes_the_local_form(tmp_path):
    """``--model Qwen/Qwen2-VL-2B-Instruct`` without --api-url: VLMEvalKit's key is the path's last part
    (or --model-id), the path its model_path, --model-args its constructor kwargs."""
    task = TaskConfig(model="Qwen/Qwen2-VL-2B-Instruct", eval_backend="VLMEvalKit", datasets=["RealWorldQA"],
                      model_args={"max_new_tokens": 16})
    (model,) = translate(task, tmp_path)["models"]
    assert model == {"name": "Qwen2-VL-2B-Instruct", "kind": "local", "class": "Qwen2-VL-2B-Instruct",
                     "kwargs": {"model_path": "Qwen/Qwen2-VL-2B-Instruct", "max_new_tokens": 16}}
    named = TaskConfig(model="/models/qwen2vl/", model_id="Qwen2-VL-7B-Instruct", eval_backend="VLMEvalKit",
                       datasets=["RealWorldQA"])
    assert translate(named, tmp_path)["models"][0]["class"] == "Qwen2-VL-7B-Instruct"


def test_local_model_on_another_engine_is_refused(tmp_path):
    task = TaskConfig(model="/models/qwen2vl", eval_type="vllm", eval_backend="VLMEvalKit", datasets=["RealWorldQA"])
    with pytest.raises(ConfigError, match="--eval-type vllm is not supported"):
        translate(task, tmp_path)


def test_dataset_urls_are_read_from_vlmevalkit_source_text(tmp_path):
    from evalscope_vlmevalkit.sources import dataset_urls, url_table, where_from

    module = tmp_path / "vlmeval" / "dataset" / "image_vqa.py"
    module.parent.mkdir(parents=True)
    module.write_text("class ImageVQADataset:\n    DATASET_URL = {\n"
                      "        'DocVQA_VAL': 'https://opencompass.openxlab.space/utils/VLMEval/DocVQA_VAL.tsv',\n"
                      "        \"ChartQA_TEST\": \"https://example.org/ChartQA_TEST.tsv\",\n    }\n"
                      "    DATASET_MD5 = {'DocVQA_VAL': 'd5ee77e1926ff10690d469c56b73eabf'}\n")
    assert url_table(module.read_text()) == {
        "DocVQA_VAL": "https://opencompass.openxlab.space/utils/VLMEval/DocVQA_VAL.tsv",
        "ChartQA_TEST": "https://example.org/ChartQA_TEST.tsv"}
    urls = dataset_urls(tmp_path / "vlmeval")
    assert where_from("ChartQA_TEST", urls) == "VLMEvalKit downloads it from https://example.org/ChartQA_TEST.tsv"
    assert "did you mean DocVQA_VAL" in where_from("DocVQA_VALL", urls)
    assert where_from("Nothing", urls) == "VLMEvalKit lists no download for 'Nothing'"


def test_missing_tsv_names_dataset_path_and_source(tmp_path, monkeypatch):
    from evalscope_vlmevalkit import harness, sources

    from evalscope.errors import UsageError

    monkeypatch.setattr(sources, "dataset_urls", lambda: {"ChartQA_TEST": "https://example.org/ChartQA_TEST.tsv"})
    (tmp_path / "tsv").mkdir()
    (tmp_path / "tsv" / "DocVQA_VAL.tsv").write_text("index\timage\n", encoding="utf-8")
    native = {"data": ["DocVQA_VAL", "ChartQA_TEST"], "data_dir": str(tmp_path / "tsv"),
              "lmudata": str(tmp_path / "LMUData")}
    with pytest.raises(UsageError) as info:
        harness.stage_data(native)
    text = str(info.value)
    assert f"ChartQA_TEST (looked for {tmp_path / 'tsv' / 'ChartQA_TEST.tsv'}; VLMEvalKit downloads it from " \
           "https://example.org/ChartQA_TEST.tsv)" in text
    assert "DocVQA_VAL" not in text


def test_judge_key_reaches_the_isolated_job_and_no_file(tmp_path):
    """The isolated job file holds the judge's key masked; the child gets it back from its stdin (it used
    to arrive as the mask itself: the judge then got 401s)."""
    from evalscope.backend.isolated import restore_secrets, split_secrets

    task = TaskConfig(eval_backend="VLMEvalKit", eval_config=CONFIG, judge_model_args={
        "model": "judge-m", "api_url": "http://127.0.0.1:9000/v1", "api_key": "sk-judge-2"})
    masked, secrets = split_secrets(task)
    assert "sk-judge-2" not in json.dumps(masked) and "sk-secret-1" not in json.dumps(masked)
    child = TaskConfig.model_validate(restore_secrets(masked, secrets))
    assert translate(child, tmp_path)["env"]["OPENAI_API_KEY"] == "sk-judge-2"
