"""``evalscope list [benchmarks|backends|metrics|filters|models|servers]``: what the registry holds."""

from __future__ import annotations

import argparse
from typing import Any

KINDS = {"benchmarks": "benchmark", "backends": "backend", "metrics": "metric", "filters": "filter",
         "models": "model", "servers": "server"}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("list", help="list benchmarks, backends, metrics, filters, model types or "
                                   "managed servers (evalscope serve)")
    parser.add_argument("what", nargs="?", default="benchmarks", choices=sorted(KINDS))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from evalscope.registry import registry

    kind = KINDS[args.what]
    for name in registry.names(kind):
        line = name
        if kind == "benchmark":
            meta = registry.get(kind, name).meta
            category = meta.tags[0] if meta.tags else "-"
            line = (f"{name:<18} {meta.pretty_name:<18} {category:<22} subsets={len(meta.subsets):<3} "
                    f"eval_split={meta.eval_split}")
        print(line)
    return 0
