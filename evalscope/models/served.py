"""Managed model servers: the registry kind ``server:<name>``, and the one way every caller uses them.

An engine adapter registers a *server factory* under ``server:<name>`` (``adapters/vllm``: ``server:vllm``),
usually beside a model type of the same name. The core knows no server by name; it calls

    factory(model, served_name, model_args, log_path, port=None) -> ManagedServer   (not started yet)

with ``factory.args_model`` (a pydantic model of ``model_args``, checked before anything starts) and
``factory.log_name`` (its log file's name, ``vllm.log``). Callers:

- ``serving(task, logs_dir)``: an external backend's task whose ``eval_type`` is a managed server runs
  against the server started for it: the backend sees an API model (the server's base URL and served
  model name), and the server is stopped after, whatever happens;
- ``served_model(task, run_dir)``: the model type of a server in the Native backend (an OpenAI-compatible
  client of the server it started, which ``aclose`` stops);
- ``evalscope serve <name> MODEL`` and ``evalscope perf --api local_<name>`` (``launch``).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Iterator, Optional, Protocol

from evalscope.api import ChatMessage, ModelError, ModelOutput
from evalscope.errors import ConfigError
from evalscope.registry import PluginMissing, RegistryError, registry

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig, TaskConfig
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)

KIND = "server"


class ManagedServer(Protocol):
    """One model server child process, started by ``start`` and always ended by ``stop``."""

    base_url: str
    """The OpenAI-compatible API base, ``http://127.0.0.1:PORT/v1``."""
    served_name: str
    """The model name the server answers to (the ``model`` of every request)."""
    log_path: Path
    """Where the server's output goes."""

    @property
    def pid(self) -> Optional[int]:
        """The server's process id (its process group's id), ``None`` when not running."""
        ...

    def start(self) -> None:
        """Start the server and wait until it is ready; on failure it is stopped and ``RunFailed`` raised
        (naming the log and its last lines)."""
        ...

    def stop(self) -> None:
        """Stop the server and everything it started; safe to call twice."""
        ...

    def alive(self, grace: float = 0.0) -> bool:
        """Whether it still runs (waiting up to ``grace`` seconds for an exit in progress)."""
        ...


def server_factory(name: Optional[str]) -> Optional[Any]:
    """The factory registered as ``server:<name>``; ``None`` when ``name`` (a model type) is no managed
    server; a ``ConfigError`` saying what to install when a known plugin provides it."""
    if not name:
        return None
    try:
        return registry.get(KIND, name)
    except PluginMissing as exc:
        raise ConfigError(f"eval_type: {exc}") from None
    except RegistryError:
        return None


def check_args(factory: Any, name: str, model_args: dict[str, Any]) -> None:
    """``model_args`` against the factory's ``args_model`` (unknown keys refused by name)."""
    from evalscope.config.errors import validate

    if getattr(factory, "args_model", None) is not None:
        validate(factory.args_model, model_args, f"model_args of {name}")


def launch(factory: Any, model: str, served_name: str, model_args: dict[str, Any], log_path: Path,
           port: Optional[int] = None) -> ManagedServer:
    """A started server of ``factory`` for ``model``, logging to ``log_path``; ``RunFailed`` if it never gets ready."""
    server = factory(model, served_name, model_args, Path(log_path), port=port)
    server.start()
    return server


def _model_of(task: "TaskConfig") -> str:
    if not isinstance(task.model, str) or not task.model:
        raise ConfigError(f"model: eval_type {task.eval_type} needs --model, a hub id or a local checkpoint folder")
    return task.model


@contextmanager
def serving(task: "TaskConfig", logs_dir: Path) -> Iterator["TaskConfig"]:
    """The task as an external backend sees it: unchanged when its model type is no managed server; else
    the server is started (log in ``logs_dir``) and the task given as ``eval_type openai_api`` at the
    server's base URL with its served name (``model_id`` unchanged), the server stopped on leaving."""
    factory = server_factory(task.eval_type)
    if factory is None:
        yield task
        return
    server = launch(factory, _model_of(task), task.model_id or _model_of(task), dict(task.model_args),
                    Path(logs_dir) / factory.log_name)
    try:
        logger.info("%s: serving %s at %s for the run", task.eval_type, task.model, server.base_url)
        yield task.model_copy(update={"eval_type": "openai_api", "api_url": server.base_url,
                                      "model": server.served_name, "model_args": {}})
    finally:
        server.stop()


class ServedModel:
    """The OpenAI-compatible client of a managed server this object started and stops (``aclose``)."""

    def __init__(self, server: ManagedServer, name: str, max_connections: int = 1) -> None:
        from evalscope.models.openai_api import OpenAICompatibleModel

        self.server, self.name = server, name
        self.model_name = server.served_name
        self.client = OpenAICompatibleModel(self.model_name, server.base_url, max_connections=max(max_connections, 1))

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        return await self._checked(self.client.generate(messages, config))

    def encode_request(self, messages: list[ChatMessage], config: "GenerationConfig") -> Any:
        return self.client.encode_request(messages, config)

    async def generate_encoded(self, request: Any, config: "GenerationConfig") -> ModelOutput:
        return await self._checked(self.client.generate_encoded(request, config))

    async def _checked(self, answer: Awaitable[ModelOutput]) -> ModelOutput:
        try:
            return await answer
        except ModelError as exc:
            if exc.transient and not self.server.alive(grace=1.0):  # a dropped connection: did it die?
                raise ModelError(f"{exc}; the {self.name} server has exited (see {self.server.log_path})") from None
            raise

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.server.stop()


def served_model(task: "TaskConfig", run_dir: Optional["RunDir"] = None) -> ServedModel:
    """The model of a task whose ``eval_type`` is a managed server: the server started with its log in the
    run's ``logs/`` (``work_dir/logs`` outside a run), and its client."""
    factory = server_factory(task.eval_type)
    if factory is None:
        raise ConfigError(f"eval_type {task.eval_type!r} is not a managed server (no {KIND}:{task.eval_type})")
    logs = run_dir.logs if run_dir is not None else Path(task.work_dir) / "logs"
    server = launch(factory, _model_of(task), task.model_id or _model_of(task), dict(task.model_args),
                    logs / factory.log_name)
    try:
        return ServedModel(server, str(task.eval_type), task.eval_batch_size)
    except BaseException:
        server.stop()
        raise
