"""``evalscope eval``: every TaskConfig field is a flag (derived from the model, not hand-copied).

``--dataset-args``, ``--generation-config``, ``--model-args`` take JSON or ``k=v,k=v``;
``--config FILE`` reads a YAML/JSON task first, and flags given on the command line override it.
"""

from __future__ import annotations

import argparse
import sys
import typing
from typing import Any

LIST_FIELDS = {"datasets"}
TRI_STATE = {"stream"}  # legacy --stream / --no-stream


def _flag_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    for t in (int, float):
        if annotation is t or (args and set(args) <= {t, type(None)}):
            return t
    return str


def add_task_arguments(parser: argparse.ArgumentParser) -> None:
    from evalscope.config import TaskConfig

    for name, field in TaskConfig.model_fields.items():
        flags = [f"--{name.replace('_', '-')}"]
        if "_" in name:
            flags.append(f"--{name}")
        help_text = (field.description or "").replace("%", "%%")
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": help_text}
        if field.annotation is bool:  # a flag that switches a default-False field on
            parser.add_argument(*flags, action="store_true", **kwargs)
        elif name in TRI_STATE:
            parser.add_argument(*flags, action=argparse.BooleanOptionalAction, **kwargs)
        elif name in LIST_FIELDS:
            parser.add_argument(*flags, nargs="+", metavar=name.upper(), **kwargs)
        elif name == "limit":
            parser.add_argument(*flags, metavar="N|FRACTION", **kwargs)
        else:
            parser.add_argument(*flags, type=_flag_type(field.annotation), metavar=name.upper(), **kwargs)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval", help="evaluate a model on benchmarks",
        description="Evaluate a model on benchmarks (EvalScope-compatible flags).",
    )
    parser.add_argument("--config", metavar="FILE", help="a YAML/JSON task config; flags override its values")
    add_task_arguments(parser)
    parser.set_defaults(func=run)


def task_dict(args: argparse.Namespace) -> dict[str, Any]:
    """The task as a dict: the ``--config`` file's values, overridden by the flags given."""
    data: dict[str, Any] = {}
    if getattr(args, "config", None):
        from pathlib import Path

        from evalscope.config.task import read_mapping_file
        from evalscope.errors import ConfigError

        try:
            data = read_mapping_file(Path(args.config), "--config")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    flags = {k: v for k, v in vars(args).items() if k not in ("func", "config")}
    data.update(flags)
    return data


def run(args: argparse.Namespace) -> int:
    from evalscope.config import load_task
    from evalscope.display import TerminalDisplay
    from evalscope.run import run_one

    task = load_task(task_dict(args))
    run_one(task, TerminalDisplay(out=sys.stdout, err=sys.stderr))
    return 0
