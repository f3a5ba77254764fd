import pytest

from evalscope.config import TaskConfig, load_task
from evalscope.config.generation import parse_kv_or_json
from evalscope.errors import ConfigError


def test_api_url_means_openai_api_and_model_id_is_derived():
    task = load_task({"model": "Qwen/Qwen2.5-7B-Instruct", "api_url": "http://127.0.0.1:8000/v1"})
    assert task.eval_type == "openai_api"
    assert task.model_id == "Qwen2.5-7B-Instruct"


def test_no_model_is_the_mock_model():
    task = load_task({"datasets": "gsm8k"})
    assert task.eval_type == "mock_llm" and task.model_id == "mock-model" and task.datasets == ["gsm8k"]


@pytest.mark.parametrize("legacy,new", [("service", "openai_api"), ("server", "openai_api"), ("checkpoint", "llm_ckpt")])
def test_legacy_eval_types(legacy, new):
    task = load_task({"model": "m", "eval_type": legacy, "api_url": "http://127.0.0.1:1/v1"})
    assert task.eval_type == new


def test_legacy_stream_and_timeout_fold_into_generation_config():
    task = load_task({"stream": True, "timeout": 12})
    assert task.generation_config.stream is True and task.generation_config.timeout == 12
    assert "stream" not in task.to_safe_dict() and "timeout" not in task.to_safe_dict()


def test_generation_config_key_value_form():
    task = load_task({"generation_config": 'temperature=0,max_tokens=32,stop=["</s>","\\n\\n"],stream=true'})
    g = task.generation_config
    assert (g.temperature, g.max_tokens, g.stop, g.stream) == (0, 32, ["</s>", "\n\n"], True)


def test_max_new_tokens_is_an_alias():
    assert load_task({"generation_config": {"max_new_tokens": 7}}).generation_config.max_tokens == 7


def test_parse_kv_or_json_errors_are_specific():
    with pytest.raises(ValueError, match="key=value"):
        parse_kv_or_json("temperature", "generation_config")
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_kv_or_json("{bad json", "generation_config")


@pytest.mark.parametrize("value,expected", [(10, 10), ("10", 10), (0.25, 0.25), ("0.5", 0.5), (3.0, 3)])
def test_limit_is_a_count_or_a_fraction(value, expected):
    assert load_task({"limit": value}).limit == expected


@pytest.mark.parametrize("value", [0, -3, 1.5, "2.5"])
def test_bad_limits(value):
    with pytest.raises(ConfigError, match="limit"):
        load_task({"limit": value})


def test_unknown_keys_everywhere_name_the_nearest_key():
    with pytest.raises(ConfigError) as err:
        load_task({"eval_batch_szie": 4})
    assert "Did you mean 'eval_batch_size'" in str(err.value) and "Valid:" in str(err.value)
    with pytest.raises(ConfigError, match=r"\(dataset_args.mmlu\): 'subset'. Did you mean 'subset_list'"):
        load_task({"dataset_args": {"mmlu": {"subset": ["a"]}}})


def test_secrets_are_masked():
    task = load_task({"api_key": "sk-1", "model_args": {"api_key": "sk-2", "nested": {"token": "t"}},
                      "generation_config": {"extra_headers": {"Authorization": "Bearer x", "X-Id": "7",
                                                              "Content-Type": "text/plain"}},
                      "eval_config": {"models": [{"api_key": "sk-3", "model_name": "e"}]}})
    text = str(task.to_safe_dict())
    for secret in ("sk-1", "sk-2", "Bearer x", "sk-3", "'t'", "'7'"):
        assert secret not in text
    assert "'X-Id': '**********'" in text and "'Content-Type': 'text/plain'" in text  # an allow-list
    assert task.api_key.get_secret_value() == "sk-1"


SECRETS = ("PASS", "QSECRET", "COOKIE", "TENANT", "BODYSECRET", "ARGTOKEN", "EVALPW", "HEADERV")


def secret_task():
    return load_task({
        "model": "m",
        "api_url": "http://user:PASS@127.0.0.1:8000/v1?api-key=QSECRET&api-version=2024-01",
        "generation_config": {"max_tokens": 32, "temperature": 0,
                              "extra_headers": {"Cookie": "s=COOKIE", "X-Tenant-Id": "TENANT"},
                              "extra_body": {"session": "BODYSECRET", "chat_template_kwargs": {"x": True}}},
        "model_args": {"auth_token": "ARGTOKEN"},
        "eval_config": {"models": [{"api_base": "http://u:EVALPW@h/v1", "headers": {"X-A": "HEADERV"}}]},
    })


def test_every_secret_is_masked_by_the_one_policy():
    safe = secret_task().to_safe_dict()
    text = str(safe)
    for secret in SECRETS:
        assert secret not in text, secret
    assert safe["api_url"] == "http://**********@127.0.0.1:8000/v1?api-key=**********&api-version=2024-01"
    assert safe["generation_config"]["max_tokens"] == 32  # a typed field named like a token is not one
    assert set(safe["generation_config"]["extra_body"]) == {"session", "chat_template_kwargs"}


@pytest.mark.parametrize("model,eval_type,model_id", [
    ("qwen2.5:7b", None, "qwen2.5:7b"),  # an Ollama-style tag, served: kept whole
    ("library/qwen2.5:7b-instruct", None, "qwen2.5:7b-instruct"),
    ("Qwen/Qwen2.5-7B-Instruct", None, "Qwen2.5-7B-Instruct"),
    ("my_pkg.models:MyModel", "custom", "MyModel"),  # a custom model class keeps its class name
])
def test_model_id(model, eval_type, model_id):
    task = load_task({"model": model, "api_url": "http://127.0.0.1:1/v1"} if eval_type is None
                     else {"model": model, "eval_type": eval_type})
    assert task.model_id == model_id


def test_a_bad_api_url_is_one_error_at_config_time_without_its_password():
    with pytest.raises(ConfigError, match="port must be in 1-65535") as err:
        load_task({"model": "m", "api_url": "http://user:PASS@h:99999/v1?api-key=QSECRET"})
    assert "PASS" not in str(err.value) and "QSECRET" not in str(err.value)


def test_eval_config_from_a_yaml_file(tmp_path):
    path = tmp_path / "rag.yaml"
    path.write_text("tool: MTEB\neval:\n  tasks: [STSBenchmark]\n")
    task = load_task({"eval_backend": "RAGEval", "eval_config": str(path)})
    assert task.eval_config == {"tool": "MTEB", "eval": {"tasks": ["STSBenchmark"]}}


def test_run_task_accepts_yaml_and_json_files(tmp_path):
    (tmp_path / "t.yaml").write_text("datasets: [demo_arith]\nlimit: 3\n")
    (tmp_path / "t.json").write_text('{"datasets": ["demo_arith"], "limit": 2}')
    assert load_task(tmp_path / "t.yaml").limit == 3
    assert load_task(str(tmp_path / "t.json")).limit == 2
    with pytest.raises(ConfigError, match="not found"):
        load_task(tmp_path / "missing.yaml")


def test_every_task_field_is_a_cli_flag():
    import argparse

    from evalscope.cli.eval import add_task_arguments

    parser = argparse.ArgumentParser()
    add_task_arguments(parser)
    dests = {a.dest for a in parser._actions}
    assert set(TaskConfig.model_fields) <= dests
    args = parser.parse_args(["--datasets", "a", "b", "--eval-batch-size", "8", "--limit", "0.5", "--stream",
                              "--ignore-errors", "--dataset_args", '{"a": {}}'])
    assert vars(args) == {"datasets": ["a", "b"], "eval_batch_size": 8, "limit": "0.5", "stream": True,
                          "ignore_errors": True, "dataset_args": '{"a": {}}'}
