"""``evalscope backend install <name>`` and ``evalscope backend list``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backend", help="install and list the isolated environments of external backends")
    sub = parser.add_subparsers(title="backend commands", metavar="<action>")

    inst = sub.add_parser("install", help="create the isolated environment of a backend (e.g. rag)")
    inst.add_argument("name", help="backend environment name (rag) or backend name (RAGEval)")
    inst.add_argument("--source", type=Path, default=None,
                      help="repository root holding pyproject.toml and backends/<name>/ (default: this install's)")
    inst.add_argument("--editable", action="store_true", help="install the core and the plugin editable (-e)")
    inst.add_argument("--force", action="store_true", help="re-create the environment if it exists")
    inst.add_argument("--extra", action="append", default=[],
                      help="an extra requirement to install into the environment (repeatable)")
    inst.set_defaults(func=_install)

    lst = sub.add_parser("list", help="show the external backends and where they are installed")
    lst.set_defaults(func=_list)
    parser.set_defaults(func=lambda args: (parser.print_help(), 1)[1])


def _install(args: argparse.Namespace) -> int:
    from evalscope.backend import envs
    from evalscope.backend.external import find_spec, repo_root
    from evalscope.errors import UsageError

    spec = find_spec(args.name)
    source = args.source or repo_root()
    if source is None:
        raise UsageError("cannot locate the repository's files; pass --source REPO_DIR (holding backends/)")
    if envs.is_installed(spec.env) and not args.force:
        raise UsageError(f"{envs.env_dir(spec.env)} already exists; add --force to re-create it")
    print(f"creating {envs.env_dir(spec.env)} for {spec.name} from {source} ...", flush=True)
    info = envs.install(spec, Path(source).resolve(), editable=args.editable, force=args.force,
                        extra=tuple(args.extra))
    print(f"installed {spec.name} in {info['path']} ({info['size_mb']:.0f} MB, {info['seconds']:.0f}s)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from evalscope.backend import envs
    from evalscope.backend.external import external_specs

    rows = [("backend", "env", "in-process", "isolated environment")]
    for spec in external_specs():
        info = envs.env_info(spec.env) if envs.is_installed(spec.env) else None
        where = f"{info['path']} ({info['size_mb']:.0f} MB, {info['created']})" if info else "not installed"
        rows.append((spec.name, spec.env, "yes" if spec.importable() else "no", where))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    print(f"(environments live under {envs.backends_dir()}; set EVALSCOPE_BACKENDS_DIR to move them)")
    return 0
