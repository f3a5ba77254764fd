"""``python -m evalscope_vllm serve MODEL [--model-args JSON] [--log FILE]`` (also ``evalscope-vllm serve``):
the managed server kept up between runs, until Ctrl-C or SIGTERM, which stop its whole process group.

Prints one line when ready: ``http://127.0.0.1:PORT/v1 SERVED_NAME PID`` (pass the URL as --api-url).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from evalscope.config.generation import parse_kv_or_json
from evalscope.errors import EvalscopeError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evalscope-vllm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start vllm serve and keep it up until Ctrl-C / SIGTERM")
    serve.add_argument("model", help="a hub id or a local checkpoint folder")
    serve.add_argument("--model-args", default="{}", help="the keys of --eval-type vllm's model_args (JSON or k=v)")
    serve.add_argument("--log", default="vllm.log", help="the server's log file (default: ./vllm.log)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from pydantic import ValidationError

    from evalscope_vllm.args import VllmArgs
    from evalscope_vllm.server import VllmServer

    try:
        vllm_args = VllmArgs.model_validate(parse_kv_or_json(args.model_args, "--model-args"))
    except (ValidationError, ValueError) as exc:
        print(f"evalscope-vllm: error: --model-args: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    name = vllm_args.served_model_name or args.model.rstrip("/").split("/")[-1]
    try:
        server = VllmServer(args.model, name, vllm_args, Path(args.log).resolve())
        with server:
            print(f"{server.base_url} {name} {server.process.pid}", flush=True)
            while server.alive():
                time.sleep(0.5)
            print(f"evalscope-vllm: the server exited; see {server.log_path}", file=sys.stderr)
            return 1
    except EvalscopeError as exc:
        print(f"evalscope-vllm: error: {exc}", file=sys.stderr)
        return 2 if exc.__class__.__name__ in ("ConfigError", "UsageError") else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
