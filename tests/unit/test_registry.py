"""The one registry: canonical names everywhere, key/name agreement, install hints, plugin forms."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.config import TaskConfig
from evalscope.errors import ConfigError
from evalscope.registry import PluginMissing, Registry, RegistryError, plugin_hook, registry


def fresh() -> Registry:
    reg = Registry()
    reg._entry_points_loaded = True  # no installed plugins in these unit tests
    return reg


def test_lookups_agree_case_insensitively_and_return_the_canonical_name():
    assert registry.canonical("benchmark", "GSM8K") == "gsm8k"
    assert registry.contains("benchmark", "GSM8K") and registry.contains("benchmark", "gsm8k")
    assert registry.get("benchmark", "GSM8K") is registry.get("benchmark", "gsm8k")
    assert registry.canonical("backend", "native") == "Native"
    assert not registry.contains("benchmark", "gsm9k")


def test_unknown_name_says_did_you_mean():
    with pytest.raises(RegistryError, match="Did you mean 'gsm8k'"):
        registry.canonical("benchmark", "gsm8")


@pytest.mark.parametrize("kind,name,hint", [
    ("model", "vllm", "pip install ./adapters/vllm"),
    ("model", "VLLM", "pip install ./adapters/vllm"),
])
def test_known_absent_plugin_is_an_install_hint(kind, name, hint):
    with pytest.raises(PluginMissing) as info:
        registry.canonical(kind, name)
    message = str(info.value)
    assert hint in message and "unknown" not in message and "\n" not in message


def test_llm_ckpt_without_the_core_stub_is_an_install_hint():
    with pytest.raises(PluginMissing, match=r"pip install torch==2.13.0 \./adapters/transformers"):
        fresh().canonical("model", "llm_ckpt")


def _bench(meta_name: str) -> type:
    return type("B", (Benchmark,), {"meta": BenchmarkMeta(name=meta_name, pretty_name="B")})


def test_key_and_own_name_cannot_disagree():
    reg = fresh()
    with pytest.raises(ValueError, match=r"benchmark:x is registered under another name than its own \('y'\)"):
        reg.register("benchmark", "x", _bench("y"))
    reg.register("benchmark", "y", _bench("y"))
    assert reg.names("benchmark") == ["y"]


def test_two_names_differing_only_in_case_collide():
    reg = fresh()
    reg.register("metric", "acc", lambda *a: 1.0)
    with pytest.raises(ValueError, match="metric:ACC is already registered"):
        reg.register("metric", "ACC", lambda *a: 0.0)
    replacement = lambda *a: 0.5  # noqa: E731
    reg.register("metric", "ACC", replacement, replace=True)
    assert reg.names("metric") == ["ACC"] and reg.get("metric", "acc") is replacement


def test_plugin_forms_module_and_hook():
    reg = fresh()
    module = types.ModuleType("some_plugin")  # its import did the registering
    reg.load_plugin(module)

    @plugin_hook
    def hook(r: Registry) -> None:
        r.register("filter", "shout", str.upper)

    reg.load_plugin(hook)
    assert reg.get("filter", "SHOUT") is str.upper


def test_broken_plugin_is_named_when_a_lookup_fails():
    reg = fresh()
    reg._broken["mine = my_plugin"] = "ImportError: no module named torch"
    with pytest.raises(RegistryError, match="plugins that failed to load: mine = my_plugin"):
        reg.canonical("model", "mine")


def test_model_type_is_any_registered_name():
    from evalscope.models.factory import check_model_type

    task = TaskConfig(model="m", eval_type="MOCK_LLM", datasets=["gsm8k"])
    assert check_model_type(task) == "mock_llm" and task.eval_type == "mock_llm"
    with pytest.raises(ConfigError, match="Did you mean 'mock_llm'"):
        check_model_type(TaskConfig(model="m", eval_type="mock_lm", datasets=["gsm8k"]))
    with pytest.raises(ConfigError, match="^eval_type: model 'vllm' is provided by a plugin"):
        check_model_type(TaskConfig(model="/models/q", eval_type="vllm", datasets=["gsm8k"]))


def test_native_validate_canonicalizes_names():
    from evalscope.backend.builtin.native import NativeBackend

    task = TaskConfig(model="m", eval_type="mock_llm", datasets=["GSM8K", "gsm8k", "Demo_Arith"],
                      dataset_args={"GSM8K": {"few_shot_num": 0}})
    NativeBackend().validate(task)
    assert task.datasets == ["gsm8k", "demo_arith"]
    assert list(task.dataset_args) == ["gsm8k"] and task.dataset_args["gsm8k"].few_shot_num == 0
    with pytest.raises(ConfigError, match="two entries name the benchmark 'gsm8k'"):
        NativeBackend().validate(TaskConfig(model="m", datasets=["gsm8k"],
                                            dataset_args={"gsm8k": {}, "GSM8K": {}}))
    with pytest.raises(ConfigError, match="^datasets: unknown benchmark 'gsm9k'"):
        NativeBackend().validate(TaskConfig(model="m", datasets=["gsm9k"]))


def _cli(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "evalscope", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


def test_cli_accepts_any_case_and_writes_the_canonical_name(tmp_path):
    done = _cli("eval", "--model", "mock", "--datasets", "DEMO_ARITH", "--limit", "3", "--work-dir", str(tmp_path),
                "--no-timestamp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [p.name for p in (tmp_path / "reports").rglob("*.json")] == ["demo_arith.json"]
    assert "datasets:\n- demo_arith\n" in (tmp_path / "configs" / "task_config.yaml").read_text()


@pytest.mark.parametrize("args,expected", [
    (("--eval-type", "vllm", "--model", "/models/qwen"), "pip install ./adapters/vllm"),
    (("--eval-type", "mock_lm"), "Did you mean 'mock_llm'"),
    (("--eval-backend", "VLMEvalKit"), "evalscope backend install vlmevalkit"),
])
def test_cli_bad_names_are_one_line_errors_before_any_run_dir(tmp_path, args, expected):
    # no backend environments here, whatever this machine has installed (CI builds VLMEvalKit's)
    env = {**os.environ, "EVALSCOPE_BACKENDS_DIR": str(tmp_path / "no-backends")}
    done = _cli("eval", "--datasets", "demo_arith", "--work-dir", str(tmp_path / "out"), *args, cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr[-2000:]
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()



def test_get_is_a_valid_first_lookup_of_a_kind():
    """In a fresh interpreter, ``get`` of a kind nothing has looked up yet (it raised KeyError: 'model')."""
    import subprocess
    import sys

    code = ("from evalscope.registry import registry; "
            "print(registry.get('model', 'MOCK_LLM').__name__, registry.get('aggregation', 'mean').__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["_mock_factory", "mean"]
