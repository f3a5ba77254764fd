"""The OpenCompass plugin's pure parts: eval_config, dataset names, the native config (no opencompass import)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError

PLUGIN = Path(__file__).resolve().parents[3] / "backends" / "opencompass"
KEY = "sk-oc-secret-5"
EVALSCOPE_FORM = {"datasets": ["ARC_c", "gsm8k"], "work_dir": "oc_out", "limit": "[2:10]", "reuse": True,
                  "debug": False, "models": [{"path": "qwen", "openai_api_base": "http://127.0.0.1:8000/v1",
                                              "key": KEY, "is_chat": True, "batch_size": 16, "temperature": 0.0,
                                              "meta_template": {"round": []}}]}


@pytest.fixture(autouse=True)
def plugin_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    yield
    for name in [m for m in sys.modules if m == "evalscope_opencompass" or m.startswith("evalscope_opencompass.")]:
        del sys.modules[name]


def translate(task, tmp_path):
    from evalscope_opencompass.translate import translate as tr

    return tr(task, tmp_path / "backends" / "OpenCompass")


def test_evalscope_eval_config_is_accepted_as_is(tmp_path):
    native = translate(TaskConfig(eval_backend="OpenCompass", eval_config=EVALSCOPE_FORM), tmp_path)
    (model,) = native["models"]
    assert model["type"] == "evalscope_opencompass.oc_model.BoundedOpenAIExtra"
    assert model["path"] == "qwen" and model["abbr"] == "qwen" and model["temperature"] == 0.0
    assert model["openai_api_base"] == "http://127.0.0.1:8000/v1/chat/completions"
    assert model["batch_size"] == 16 and model["meta_template"] == {"round": []}
    # the key goes by environment only: OpenCompass dumps its config (models included) into its work dir
    assert model["key"] == "ENV" and native["env"] == {"OPENAI_API_KEY": KEY}
    assert native["datasets"] == [{"name": "ARC_c", "config": "ARC_c/ARC_c_gen_1e0de5"},
                                  {"name": "gsm8k", "config": "gsm8k/gsm8k_gen_1d7fe4"}]
    assert native["limit"] == "[2:10]" and native["reuse"] is True
    assert native["work_dir"] == str((tmp_path / "backends" / "OpenCompass" / "oc_out").resolve())
    assert native["scratch_dir"] == str((tmp_path / "backends" / "OpenCompass").resolve())
    assert native["run_dir"] == str(tmp_path.resolve())

    from evalscope.secrets import mask_config

    assert KEY not in json.dumps(mask_config(native))


def test_unified_flags_make_one_openaiextra_model(tmp_path):
    task = TaskConfig(eval_backend="OpenCompass", model="qwen", api_url="http://h:1/v1/chat/completions",
                      api_key=KEY, datasets=["ARC_c"], limit=20, eval_batch_size=8,
                      generation_config={"temperature": 0.0, "max_tokens": 32}, dataset_dir=str(tmp_path))
    native = translate(task, tmp_path)
    (model,) = native["models"]
    assert model["openai_api_base"] == "http://h:1/v1/chat/completions" and model["batch_size"] == 8
    assert model["temperature"] == 0.0 and model["max_out_len"] == 32 and native["env"]["OPENAI_API_KEY"] == KEY
    # --limit N is the first N samples (as in the other backends), not OpenCompass's random N
    assert native["limit"] == "[0:20]" and native["data_dir"] == str(tmp_path.resolve())


@pytest.mark.parametrize("cfg, needle", [
    ({**EVALSCOPE_FORM, "datset": ["x"]}, "datasets"),
    ({**EVALSCOPE_FORM, "limit": "[5:2]"}, "limit"),
    ({**EVALSCOPE_FORM, "limit": "first 5"}, "limit"),
    ({**EVALSCOPE_FORM, "work_dir": "/abs"}, "work_dir"),
    ({**EVALSCOPE_FORM, "models": [{"path": "q", "openai_api_base": "ftp://x"}]}, "openai_api_base"),
    ({**EVALSCOPE_FORM, "models": [{"path": "q", "openai_api_base": "http://x:1/v1/completions"}]}, "completions"),
    ({**EVALSCOPE_FORM, "models": [{"path": "q", "openai_api_base": "127.0.0.1:8000/v1"}]}, "no scheme"),
    ({**EVALSCOPE_FORM, "custom_datasets": [{"path": "/d/x.parquet"}]}, "jsonl or .csv"),
    ({**EVALSCOPE_FORM, "custom_datasets": [{"path": "/d/x.jsonl", "infer_method": "ppl"}]}, "infer_method"),
    ({**EVALSCOPE_FORM, "datasets": ["ARC_c; rm -rf /"]}, "not an OpenCompass dataset name"),
    ({**EVALSCOPE_FORM, "max_num_workers": 0}, "max_num_workers"),
    ({**EVALSCOPE_FORM, "models": [{"path": "q", "openai_api_base": "http://x/v1", "kee": "k"}]}, "key"),
])
def test_bad_config_names_the_field(tmp_path, cfg, needle):
    with pytest.raises(ConfigError, match=needle):
        translate(TaskConfig(eval_backend="OpenCompass", eval_config=cfg), tmp_path)


def test_no_model_or_no_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no model"):
        translate(TaskConfig(eval_backend="OpenCompass", eval_config={"datasets": ["ARC_c"]}), tmp_path)
    with pytest.raises(ConfigError, match="no datasets"):
        translate(TaskConfig(eval_backend="OpenCompass", eval_config={"models": EVALSCOPE_FORM["models"]}), tmp_path)


def test_known_names_map_to_evalscope_configs_case_insensitively_others_pass_as_config_stems():
    from evalscope_opencompass.datasets import CONFIGS, dataset_ref

    assert dataset_ref("arc_c") == {"name": "ARC_c", "config": "ARC_c/ARC_c_gen_1e0de5"}
    assert dataset_ref("mmlu")["config"] == "mmlu/mmlu_gen_4d595a"
    assert dataset_ref("ceval")["config"] == "ceval/ceval_gen_5f30c7"
    assert dataset_ref("gsm8k_gen_17d0dc") == {"name": "gsm8k_gen_17d0dc", "config": None}
    assert len(CONFIGS) == 50 and all("/" in v for v in CONFIGS.values())


def test_custom_datasets_become_opencompass_custom_entries(tmp_path):
    cfg = {"models": EVALSCOPE_FORM["models"], "limit": "[0:3]",
           "custom_datasets": [str(tmp_path / "qa.jsonl"), {"path": str(tmp_path / "m.csv"), "data_type": "mcq",
                                                             "abbr": "mine"}]}
    native = translate(TaskConfig(eval_backend="OpenCompass", eval_config=cfg), tmp_path)
    qa, mcq = native["datasets"]
    assert qa == {"name": "qa", "custom": {"path": str(tmp_path / "qa.jsonl"), "abbr": "qa", "infer_method": "gen",
                                           "test_range": "[0:3]"}}
    assert mcq["name"] == "mine" and mcq["custom"]["data_type"] == "mcq"


def test_two_datasets_with_one_name_or_two_keys_are_refused(tmp_path):
    twice = {"models": EVALSCOPE_FORM["models"], "datasets": ["qa"], "custom_datasets": [str(tmp_path / "qa.jsonl")]}
    with pytest.raises(ConfigError, match="qa given twice"):
        translate(TaskConfig(eval_backend="OpenCompass", eval_config=twice), tmp_path)
    other = {**EVALSCOPE_FORM["models"][0], "abbr": "other", "key": "sk-another"}
    keys = {**EVALSCOPE_FORM, "models": [EVALSCOPE_FORM["models"][0], other]}
    with pytest.raises(ConfigError, match="different keys") as info:
        translate(TaskConfig(eval_backend="OpenCompass", eval_config=keys), tmp_path)
    assert KEY not in str(info.value) and "sk-another" not in str(info.value)


def test_the_unified_api_url_must_be_a_chat_endpoint(tmp_path):
    task = TaskConfig(eval_backend="OpenCompass", model="q", api_url="http://h:1/v1/completions", datasets=["ARC_c"])
    with pytest.raises(ConfigError, match="completions endpoint"):
        translate(task, tmp_path)
    base = TaskConfig(eval_backend="OpenCompass", model="q", api_url="http://h:1/v1?api-version=2", datasets=["ARC_c"])
    assert translate(base, tmp_path)["models"][0]["openai_api_base"] == "http://h:1/v1/chat/completions?api-version=2"


def test_the_spec_is_registered_light_and_found_by_env_or_backend_name():
    import subprocess

    from evalscope.backend.external import find_spec
    from evalscope.registry import registry

    spec = registry.get("backend", "opencompass")().spec
    assert (spec.name, spec.env, spec.source, spec.pins) == ("OpenCompass", "opencompass", "backends/opencompass",
                                                             ("torch==2.13.0",))
    assert find_spec("opencompass") is spec and find_spec("OpenCompass") is spec and not spec.config_required
    assert (PLUGIN / "pyproject.toml").exists() and spec.entry.startswith("evalscope_opencompass.backend:")
    code = ("import sys; from evalscope.registry import registry; registry.get('backend', 'OpenCompass'); "
            "print([m for m in ('opencompass', 'evalscope_opencompass', 'torch', 'mmengine') if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_the_data_folder_is_the_one_holding_data_or_data_itself(tmp_path):
    from evalscope_opencompass.harness import data_cache

    from evalscope.errors import UsageError

    holder = tmp_path / "holder"
    (holder / "data" / "gsm8k").mkdir(parents=True)
    assert data_cache(str(holder), tmp_path / "scratch") == str(holder)
    bare = tmp_path / "my_oc_data"
    (bare / "ARC" / "ARC-c").mkdir(parents=True)
    cache = Path(data_cache(str(bare), tmp_path / "scratch"))
    assert (cache / "data").resolve() == bare.resolve() and (cache / "data" / "ARC" / "ARC-c").is_dir()
    assert data_cache(str(bare), tmp_path / "scratch") == str(cache)  # the link is re-made, not refused
    with pytest.raises(UsageError, match="not a folder"):
        data_cache(str(tmp_path / "nope"), tmp_path / "scratch")
    with pytest.raises(UsageError, match="--dataset-dir"):
        data_cache(None, tmp_path / "scratch")


def test_a_relative_data_folder_is_the_callers_also_in_an_isolated_job(tmp_path, monkeypatch):
    """An isolated job runs in its work dir: ``--dataset-dir ./oc`` means the folder where evalscope was run."""
    from evalscope_opencompass.datasets import CustomDataset, custom_ref
    from evalscope_opencompass.harness import data_cache

    caller, job = tmp_path / "caller", tmp_path / "job"
    (caller / "oc" / "data" / "gsm8k").mkdir(parents=True)
    (caller / "qa.jsonl").write_text("{}\n")
    job.mkdir()
    monkeypatch.chdir(job)
    monkeypatch.setenv("EVALSCOPE_CALLER_CWD", str(caller))
    assert data_cache("oc", tmp_path / "scratch") == str((caller / "oc").resolve())
    entry = custom_ref(CustomDataset(path="qa.jsonl"), None)["custom"]
    assert entry["path"] == str((caller / "qa.jsonl").resolve())


def test_config_values_that_are_classes_or_functions_become_dotted_names():
    from evalscope_opencompass.harness import plain

    cfg = {"type": Path, "eval_cfg": {"pred_postprocessor": {"type": json.dumps, "options": "ABCD"}},
           "fix_id_list": (0, 1), "abbr": "ARC-c"}
    assert plain(cfg) == {"type": "pathlib.Path", "eval_cfg": {"pred_postprocessor": {"type": "json.dumps",
                                                                                      "options": "ABCD"}},
                          "fix_id_list": [0, 1], "abbr": "ARC-c"}
