"""The ``evalscope.plugins`` entry point: registers ``server:vllm`` and model type ``vllm``.

``server:vllm`` is the managed ``vllm serve`` (``evalscope_vllm.server``) behind the core's generic
server contract (``evalscope.models.served``): the core starts it for ``--eval-type vllm`` with any
backend (Native: requests through the OpenAI-compatible client; an external harness: handed the
server's URL), for ``evalscope perf --api local_vllm`` and for ``evalscope serve vllm MODEL``. Its log
goes to ``logs/vllm.log`` of the run. Importing this module is cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.registry import register
from evalscope_vllm.args import VllmArgs

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.run_dir import RunDir
    from evalscope_vllm.server import VllmServer


@register("server", "vllm")
def vllm_server(model: str, served_name: str, model_args: Any, log_path: Path,
                port: Optional[int] = None) -> "VllmServer":
    """A ``vllm serve MODEL`` (not started) named ``model_args.served_model_name`` or ``served_name``."""
    from evalscope.config.errors import validate
    from evalscope_vllm.server import VllmServer

    args = model_args if isinstance(model_args, VllmArgs) else validate(VllmArgs, model_args, "model_args of vllm")
    return VllmServer(model, args.served_model_name or served_name, args, log_path, port=port)


vllm_server.args_model = VllmArgs  # type: ignore[attr-defined]
vllm_server.log_name = "vllm.log"  # type: ignore[attr-defined]


@register("model", "vllm")
def build_model(task: "TaskConfig", run_dir: Optional["RunDir"] = None) -> Any:
    """The OpenAI-compatible client of a ``vllm serve`` started for the run (stopped by its ``aclose``)."""
    from evalscope.models.served import served_model

    return served_model(task, run_dir)


build_model.args_model = VllmArgs  # type: ignore[attr-defined]
