"""The ``evalscope.plugins`` entry point: registers model type ``vllm``.

Building the model starts the server (its log goes to ``logs/vllm.log`` of the run), and the model's
``aclose`` stops it; requests go through the one OpenAI-compatible client.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalscope.api import ChatMessage, ModelError, ModelOutput
from evalscope.errors import ConfigError
from evalscope.registry import register
from evalscope_vllm.args import VllmArgs

if TYPE_CHECKING:
    from evalscope.config import GenerationConfig, TaskConfig

RUN_LOG = "eval_log.log"


def run_logs_dir(task: "TaskConfig") -> Path:
    """The ``logs/`` folder of the run in progress: where its log file handler writes (else work_dir/logs)."""
    for handler in logging.getLogger().handlers:
        path = getattr(handler, "baseFilename", "")
        if path.endswith(RUN_LOG):
            return Path(path).parent
    return Path(task.work_dir) / "logs"


class VllmModel:
    """The OpenAI-compatible client of a ``vllm serve`` this object started and stops."""

    def __init__(self, task: "TaskConfig", args: VllmArgs) -> None:
        from evalscope.models.openai_api import OpenAICompatibleModel
        from evalscope_vllm.server import VllmServer

        if not isinstance(task.model, str) or not task.model:
            raise ConfigError("model: eval_type vllm needs --model, a hub id or a local checkpoint folder")
        self.model_name = args.served_model_name or task.model_id or task.model
        self.server = VllmServer(task.model, self.model_name, args, run_logs_dir(task) / "vllm.log")
        self.server.start()
        self.client = OpenAICompatibleModel(self.model_name, self.server.base_url,
                                            max_connections=max(task.eval_batch_size, 1))

    async def generate(self, messages: list[ChatMessage], config: "GenerationConfig") -> ModelOutput:
        try:
            return await self.client.generate(messages, config)
        except ModelError as exc:
            if exc.transient and not self.server.alive(grace=1.0):  # a dropped connection: did it die?
                raise ModelError(f"{exc}; the vLLM server has exited (see {self.server.log_path})") from None
            raise

    async def aclose(self) -> None:
        try:
            await self.client.aclose()
        finally:
            self.server.stop()


@register("model", "vllm")
def build_model(task: "TaskConfig") -> Any:
    return VllmModel(task, VllmArgs.model_validate(task.model_args))


build_model.args_model = VllmArgs  # type: ignore[attr-defined]
