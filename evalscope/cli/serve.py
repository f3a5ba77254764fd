"""``evalscope serve <server> MODEL [--model-args JSON] [--port P] [--log FILE]``: a managed model server
kept up between runs, until Ctrl-C or SIGTERM, which stop it and everything it started.

``<server>`` is any ``server:<name>`` of the registry (``vllm``: ``pip install ./adapters/vllm``); the
command prints one line when the server is ready, ``http://127.0.0.1:PORT/v1 SERVED_NAME PID`` (pass the
URL as ``--api-url`` and the name as ``--model``).
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="start a managed model server (e.g. vllm) and keep it up until Ctrl-C",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("server", help="the server plugin: vllm (pip install ./adapters/vllm), or another one "
                   "(`evalscope list servers`)")
    p.add_argument("model", help="a hub id or a local checkpoint folder")
    p.add_argument("--model-args", default="{}",
                   help="the server's model_args, as --eval-type <server> takes them (JSON or k=v,k=v)")
    p.add_argument("--served-model-name", help="the model name it answers to (default: the last part of MODEL)")
    p.add_argument("--port", type=int, help="loopback port (default: a free one)")
    p.add_argument("--log", help="the server's log file (default: ./<server>.log)")
    p.set_defaults(func=run)


def run(ns: argparse.Namespace) -> int:
    import signal
    import sys
    import time
    from pathlib import Path

    from evalscope.config.generation import parse_kv_or_json
    from evalscope.errors import ConfigError, UsageError
    from evalscope.models.served import KIND, check_args, launch
    from evalscope.registry import RegistryError, registry

    try:
        name = registry.canonical(KIND, ns.server)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    factory = registry.get(KIND, name)
    try:
        model_args = parse_kv_or_json(ns.model_args, "--model-args")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    check_args(factory, name, model_args)
    if ns.port is not None and not 0 < ns.port < 65536:
        raise UsageError(f"--port {ns.port}: give a port number from 1 to 65535")

    def on_sigterm(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally below, which stops the server

    signal.signal(signal.SIGTERM, on_sigterm)
    served_name = ns.served_model_name or ns.model.rstrip("/").split("/")[-1]
    server = launch(factory, ns.model, served_name, model_args, Path(ns.log or factory.log_name).resolve(), ns.port)
    try:
        print(f"{server.base_url} {server.served_name} {server.pid}", flush=True)
        while server.alive():
            time.sleep(0.5)
        print(f"evalscope serve: the {name} server exited; see {server.log_path}", file=sys.stderr)
        return 1
    finally:
        server.stop()

