"""``--api local_<server>`` (EvalScope's ``local_vllm``): the load generator measures a server it starts.

The server is the registry's ``server:<server>`` (``vllm``: ``pip install ./adapters/vllm``), serving
``--model`` under that same name (as EvalScope does) on ``--port`` or a free loopback port, with
``--model-args`` as ``--eval-type <server>`` takes them, its log in the sweep's folder. Requests go to its
``/v1/chat/completions`` (``/v1/completions`` for ``speed_benchmark``, as EvalScope); the server is stopped
after the sweep, whatever happens.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from evalscope.errors import UsageError

if TYPE_CHECKING:
    from evalscope.perf.arguments import PerfArgs

logger = logging.getLogger(__name__)

PREFIX = "local_"
WIRE_API = "openai"
"""The perf API plugin that talks to every managed server."""


def server_name(api: str) -> Optional[str]:
    """``vllm`` for ``local_vllm``; ``None`` for an API that starts nothing."""
    return api[len(PREFIX):] if api.startswith(PREFIX) and len(api) > len(PREFIX) else None


def wire_api(api: str) -> str:
    """The API plugin that sends the requests: ``openai`` for a local server, else ``api`` itself."""
    return WIRE_API if server_name(api) else api


@contextmanager
def local_server(args: "PerfArgs", out_dir: Path) -> Iterator["PerfArgs"]:
    """``args`` unchanged for a remote API; else the server started and ``args`` pointed at it."""
    name = server_name(args.api)
    if name is None:
        yield args
        return
    from evalscope.errors import ConfigError
    from evalscope.models.served import KIND, check_args, launch
    from evalscope.registry import RegistryError, registry

    try:
        factory = registry.get(KIND, name)
    except RegistryError as exc:
        raise UsageError(f"--api {args.api}: {exc}") from None
    if not args.model:
        raise ConfigError(f"--api {args.api} needs --model: the hub id or checkpoint folder to serve")
    check_args(factory, name, args.model_args)
    server = launch(factory, args.model, args.model, dict(args.model_args), out_dir / factory.log_name, args.port)
    try:
        endpoint = "completions" if args.dataset.startswith("speed_benchmark") else "chat/completions"  # EvalScope's
        url = f"{server.base_url}/{endpoint}"
        logger.info("--api %s: measuring %s (model %s, log %s)", args.api, url, server.served_name, server.log_path)
        yield args.model_copy(update={"url": url, "model": server.served_name})
    finally:
        server.stop()
