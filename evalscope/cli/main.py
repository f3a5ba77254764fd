"""``evalscope <command>``: dispatches to one module per command.

Each command module defines ``add_parser(subparsers)``, which adds its sub-parser and sets
``func`` (called with the parsed namespace, returns an exit code). Command modules keep their
top-level imports light; the work is imported inside ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from evalscope.errors import EvalscopeError, UsageError
from evalscope.version import __version__

# command name -> module defining add_parser(subparsers)
COMMANDS: dict[str, str] = {
    "eval": "evalscope.cli.eval",
    "perf": "evalscope.cli.perf",
    "app": "evalscope.cli.app",
    "report": "evalscope.cli.app",
    "list": "evalscope.cli.list_cmd",
    "backend": "evalscope.cli.backend",
    "mock-server": "evalscope.cli.mock_server",
    "serve": "evalscope.cli.serve",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalscope",
        description="Evaluate models and load-test the servers that host them.",
    )
    parser.add_argument("-v", "--version", action="version", version=f"evalscope {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="<command>")
    for module_name in dict.fromkeys(COMMANDS.values()):  # a module may define several commands
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not built in this distribution
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 1
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "debug", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"evalscope: error: {exc}", file=sys.stderr)
        return 2
    except EvalscopeError as exc:
        print(f"evalscope: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("evalscope: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
