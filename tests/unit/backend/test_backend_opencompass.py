"""The OpenCompass plugin's pure parts: eval_config, the native config, and result files -> Reports.

The result files are canned in the shape OpenCompass writes (``results/<abbr>/<dataset>.json`` on 0-100,
``predictions/<abbr>/<dataset>.json``); no opencompass import.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError, RunFailed

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
    assert model["type"] == "OpenAIExtra" and model["path"] == "qwen" and model["abbr"] == "qwen"
    assert model["openai_api_base"] == "http://127.0.0.1:8000/v1/chat/completions"
    assert model["key"] == KEY and model["batch_size"] == 16 and model["meta_template"] == {"round": []}
    assert native["datasets"] == ["ARC_c", "gsm8k"] and native["limit"] == "[2:10]" and native["reuse"] is True
    assert native["work_dir"] == str((tmp_path / "backends" / "OpenCompass" / "oc_out").resolve())

    from evalscope.secrets import mask_config

    assert KEY not in json.dumps(mask_config(native))


def test_unified_flags_make_one_openaiextra_model(tmp_path):
    task = TaskConfig(eval_backend="OpenCompass", model="qwen", api_url="http://h:1/v1/chat/completions",
                      api_key=KEY, datasets=["ARC_c"], limit=20, eval_batch_size=8,
                      generation_config={"temperature": 0.0, "max_tokens": 32}, dataset_dir=str(tmp_path))
    native = translate(task, tmp_path)
    (model,) = native["models"]
    assert model["openai_api_base"] == "http://h:1/v1/chat/completions" and model["batch_size"] == 8
    assert model["temperature"] == 0.0 and model["max_out_len"] == 32 and model["key"] == KEY
    assert native["limit"] == 20 and native["data_dir"] == str(tmp_path.resolve())


@pytest.mark.parametrize("cfg, needle", [
    ({**EVALSCOPE_FORM, "datset": ["x"]}, "datasets"),
    ({**EVALSCOPE_FORM, "limit": "[5:2]"}, "limit"),
    ({**EVALSCOPE_FORM, "limit": "first 5"}, "limit"),
    ({**EVALSCOPE_FORM, "work_dir": "/abs"}, "work_dir"),
    ({**EVALSCOPE_FORM, "models": [{"path": "q", "openai_api_base": "ftp://x"}]}, "openai_api_base"),
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


def write_run(root: Path, model: str = "qwen") -> Path:
    run = root / "20261201_234500"
    (run / "results" / model).mkdir(parents=True)
    (run / "predictions" / model).mkdir(parents=True)
    (run / "results" / model / "ARC-c.json").write_text(json.dumps(
        {"accuracy": 75.0, "details": {str(i): {"pred": ["A"], "answer": ["A" if i else "B"]} for i in range(4)}}))
    (run / "predictions" / model / "ARC-c.json").write_text(json.dumps(
        {str(i): {"origin_prompt": f"Question: {i}", "prediction": "A", "gold": "A"} for i in range(4)}))
    (run / "results" / model / "gsm8k.json").write_text(json.dumps({"error": "no predictions"}))
    (run / "results" / model / "empty.json").write_text(json.dumps({"details": []}))
    return run


def test_results_become_0_1_reports_keeping_the_file_scale(tmp_path):
    from evalscope_opencompass.results import latest_run, read_reports, result_datasets

    run = write_run(tmp_path / "oc_out")
    assert latest_run(tmp_path / "oc_out") == run
    assert result_datasets(run, "qwen") == ["ARC-c", "empty", "gsm8k"]
    reports, errors = read_reports(run, "qwen", ["ARC-c", "gsm8k", "empty", "mmlu"])
    (rep,) = reports
    assert rep.metrics[0].name == "accuracy" and rep.score == 0.75 and rep.num == 4
    assert rep.backend == "OpenCompass" and rep.extra["scores_0_100"] == {"accuracy": 75.0}
    assert len(errors) == 3
    assert "gsm8k: evaluation failed: no predictions" in errors[0]
    assert "empty" in errors[1] and "no score" in errors[1]
    assert "mmlu" in errors[2] and "did not run" in errors[2]


def test_an_empty_work_dir_is_a_failure(tmp_path):
    from evalscope_opencompass.results import latest_run

    (tmp_path / "oc_out").mkdir()
    with pytest.raises(RunFailed, match="produced nothing"):
        latest_run(tmp_path / "oc_out")
    with pytest.raises(RunFailed, match="produced nothing"):
        latest_run(tmp_path / "missing")
