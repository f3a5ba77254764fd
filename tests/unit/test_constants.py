"""EvalScope's constant classes are accepted by the task schema as EvalScope scripts write them."""

import pytest

from evalscope.config import TaskConfig
from evalscope.constants import EvalBackend, EvalType, HubType
from evalscope.errors import ConfigError


def test_service_and_native_as_evalscope_scripts_write_them():
    task = TaskConfig(model="qwen", api_url="http://127.0.0.1:8000/v1", eval_type=EvalType.SERVICE,
                      eval_backend=EvalBackend.NATIVE, datasets=["gsm8k"], dataset_hub=HubType.LOCAL)
    assert task.eval_type == "openai_api" and task.eval_backend == "Native" and task.dataset_hub == "local"
    assert TaskConfig(model="m", eval_type=EvalType.MOCK_LLM, datasets=["gsm8k"]).eval_type == "mock_llm"


def test_values_are_registered_model_types_or_known_plugins():
    from evalscope.registry import KNOWN_PLUGINS, registry

    values = {v for k, v in vars(EvalType).items() if k.isupper()}
    assert values and all(registry.contains("model", v) or ("model", v) in KNOWN_PLUGINS for v in values)


def test_an_unsupported_backend_is_a_clear_error(tmp_path):
    from evalscope.run import run_task

    with pytest.raises(ConfigError, match="eval_backend.*ThirdParty"):
        run_task(TaskConfig(model="m", eval_type=EvalType.MOCK_LLM, eval_backend=EvalBackend.THIRD_PARTY,
                            datasets=["gsm8k"], work_dir=str(tmp_path)))
    assert not any(tmp_path.iterdir())  # refused before a run directory is made
