"""The model factory contract: ``factory(task)``, or ``factory(task, run_dir=...)`` for a factory that
declares ``run_dir``; and the managed-server registry kind that external backends, perf and
``evalscope serve`` use (``evalscope.models.served``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalscope.config import TaskConfig
from evalscope.errors import ConfigError
from evalscope.models.factory import build_model, takes_run_dir
from evalscope.models.served import server_factory, serving
from evalscope.registry import registry
from evalscope.run_dir import RunDir


def old_style(task):
    return ("old", task.model)


def new_style(task, run_dir=None):
    return ("new", run_dir)


def with_kwargs(task, **kwargs):
    return ("kw", kwargs.get("run_dir"))


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The test's factories and server in the registry for the test only."""
    registry.names("model")
    registry.names("server")
    for kind, name, obj in [("model", "contract_old", old_style), ("model", "contract_new", new_style),
                            ("model", "contract_kw", with_kwargs), ("server", "contract_srv", FakeServer)]:
        monkeypatch.setitem(registry._items.setdefault(kind, {}), name, obj)


def test_which_factories_take_the_run_dir():
    assert not takes_run_dir(old_style) and takes_run_dir(new_style) and takes_run_dir(with_kwargs)
    assert not takes_run_dir(len)  # a builtin: called the old way


def test_old_factories_get_the_task_only_new_ones_the_run_dir(tmp_path):
    run_dir = RunDir(tmp_path)
    assert build_model(TaskConfig(model="m", eval_type="contract_old"), run_dir) == ("old", "m")
    assert build_model(TaskConfig(model="m", eval_type="contract_new"), run_dir) == ("new", run_dir)
    assert build_model(TaskConfig(model="m", eval_type="contract_kw"), run_dir) == ("kw", run_dir)
    assert build_model(TaskConfig(model="m", eval_type="contract_new")) == ("new", None)


class FakeServer:
    """A ManagedServer that runs nothing: records start/stop."""

    events: list[str] = []

    def __init__(self, model, served_name, model_args, log_path, port=None):
        self.model, self.served_name, self.log_path = model, served_name, log_path
        self.base_url = f"http://127.0.0.1:{port or 9}/v1"
        FakeServer.events.append(f"made {model} as {served_name} log {Path(log_path).name} args {model_args}")

    pid = None

    def start(self):
        FakeServer.events.append("start")

    def stop(self):
        FakeServer.events.append("stop")

    def alive(self, grace=0.0):
        return False


FakeServer.args_model = None
FakeServer.log_name = "fake.log"


def test_a_model_type_without_a_server_passes_through(tmp_path):
    task = TaskConfig(model="m", eval_type="contract_old")
    assert server_factory("contract_old") is None and server_factory(None) is None
    with serving(task, tmp_path) as seen:
        assert seen is task


def test_serving_hands_an_api_model_and_always_stops(tmp_path):
    FakeServer.events.clear()
    task = TaskConfig(model="org/big-model", eval_type="contract_srv", model_args={"x": 1})
    with pytest.raises(RuntimeError, match="harness broke"):
        with serving(task, tmp_path) as seen:
            assert (seen.eval_type, seen.api_url, seen.model, seen.model_id, seen.model_args) == (
                "openai_api", "http://127.0.0.1:9/v1", "big-model", "big-model", {})
            assert task.eval_type == "contract_srv"  # the caller's task is not changed
            raise RuntimeError("harness broke")
    assert FakeServer.events == ["made org/big-model as big-model log fake.log args {'x': 1}", "start", "stop"]


def test_a_known_server_plugin_that_is_missing_says_what_to_install(monkeypatch):
    from evalscope import registry as reg

    monkeypatch.setitem(reg.KNOWN_PLUGINS, ("server", "contract_absent"), "the absent adapter: pip install ./x")
    with pytest.raises(ConfigError, match=r"server 'contract_absent' is provided by a plugin .*pip install ./x"):
        server_factory("contract_absent")
