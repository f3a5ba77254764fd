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


def test_relative_paths_resolve_against_the_callers_directory(tmp_path, monkeypatch):
    (tmp_path / "my_tasks").mkdir()
    (tmp_path / "tok").mkdir()
    elsewhere = tmp_path / "backends" / "lm-eval"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # an isolated job runs in its work dir
    monkeypatch.setenv("EVALSCOPE_CALLER_CWD", str(tmp_path))
    cfg = {"include_path": "./my_tasks", "model": "local-completions", "tokenizer": "tok",
           "task_overrides": {"gsm8k_local": {"dataset_path": "json",
                                              "dataset_kwargs": {"data_files": {"test": "data/t.jsonl"}}}}}
    native = translate(unified(eval_config=cfg), tmp_path)
    assert native["include_path"] == [str((tmp_path / "my_tasks").resolve())]
    assert native["model_args"]["tokenizer"] == str((tmp_path / "tok").resolve())
    files = native["task_overrides"]["gsm8k_local"]["dataset_kwargs"]["data_files"]
    assert files == {"test": str((tmp_path / "data" / "t.jsonl").resolve())}
    assert native["task_overrides"]["gsm8k_local"]["dataset_path"] == "json"


def test_task_overrides_must_name_a_task_that_runs(tmp_path):
    with pytest.raises(ConfigError, match="task_overrides names task.*arc_challenge_chat"):
        translate(unified(eval_config={"task_overrides": {"arc_challenge_chat": {"dataset_path": "json"}}}),
                  tmp_path)
    with pytest.raises(ConfigError, match="cannot rename"):
        translate(unified(eval_config={"task_overrides": {"gsm8k_local": {"task": "other"}}}), tmp_path)


def test_offline_follows_dataset_hub_local(tmp_path):
    assert "HF_HUB_OFFLINE" not in translate(unified(), tmp_path)["env"]
    env = translate(unified(dataset_hub="local"), tmp_path)["env"]
    assert env["HF_HUB_OFFLINE"] == env["HF_DATASETS_OFFLINE"] == "1"
    assert "HF_HUB_OFFLINE" not in translate(unified(dataset_hub="local", eval_config={"offline": False}),
                                             tmp_path)["env"]


def test_a_missing_tokenizer_folder_is_named(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer .*nope is not a folder"):
        translate(unified(eval_config={"model": "local-completions", "tokenizer": str(tmp_path / "nope")}),
                  tmp_path)


CONFIGS = sorted((PLUGIN.parents[1] / "configs").glob("lm_eval_*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_example_configs_translate(path, tmp_path):
    from evalscope.config import load_task

    task = load_task(path)
    assert task.eval_backend == "lm-eval"
    native = translate(task, tmp_path)
    assert native["tasks"] and native["model_args"]["base_url"].endswith("/chat/completions")
    for name, keys in native["task_overrides"].items():
        assert name in native["tasks"]
        files = keys.get("dataset_kwargs", {}).get("data_files", {})
        assert all(Path(f).is_absolute() for f in files.values())  # ~ expanded
    assert native["env"].get("HF_HUB_OFFLINE") == "1"
