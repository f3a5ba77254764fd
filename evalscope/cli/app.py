"""``evalscope app``: the local read-only web viewer; ``evalscope report --html``: the offline HTML report."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
from typing import Any

from evalscope.errors import UsageError

TOKEN_ENV = "EVALSCOPE_APP_TOKEN"
INSTALL_HINT = "evalscope app needs the web extra: pip install 'evalscope[app]'"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "app", help="browse eval runs, RAG runs and perf sweeps in a local web viewer (read-only)",
        description="A local, read-only web viewer of the runs under --outputs (default ./outputs).")
    p.add_argument("--outputs", nargs="+", action="extend", metavar="DIR", default=None,
                   help="folders holding runs (repeatable; default ./outputs); nothing outside them is served")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; any other needs --token)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860; 0: a free one)")
    p.add_argument("--token", default=None,
                   help=f"require this token (also read from ${TOKEN_ENV}); 'auto' makes one")
    p.add_argument("--debug", action="store_true", default=False)
    p.set_defaults(func=run_app)
    r = subparsers.add_parser("report", help="write the offline HTML report of one or more runs",
                              description="Build one self-contained HTML file from run directories.")
    r.add_argument("--html", nargs="+", metavar="RUN_DIR", required=True, help="run directories")
    r.add_argument("-o", "--output", default=None,
                   help="output file (default: <run>/reports/report.html for one run, ./report.html for several)")
    r.set_defaults(func=run_report)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_token(host: str, token: str | None) -> str | None:
    token = token or os.environ.get(TOKEN_ENV) or None
    if token == "auto":
        token = secrets.token_urlsafe(24)
    if not is_loopback(host) and not token:
        raise UsageError(f"--host {host} serves your runs beyond this machine: pass --token TOKEN (or 'auto', "
                         f"or set {TOKEN_ENV})")
    if token is not None and len(token) < 8:
        raise UsageError("--token: use at least 8 characters")
    return token


def run_app(args: argparse.Namespace) -> int:
    from pathlib import Path

    roots = [Path(d).expanduser() for d in (args.outputs or ["outputs"])]
    missing = [str(d) for d in roots if not d.is_dir()]
    if missing:
        raise UsageError(f"--outputs: no such folder: {', '.join(missing)}")
    token = resolve_token(args.host, args.token)
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    from evalscope.app.server import create_app
    from evalscope.report.store import RunStore

    loopback = is_loopback(args.host)
    hosts = ["127.0.0.1", "localhost", "[::1]", args.host] if loopback else None
    app = create_app(RunStore(roots), token=token, allowed_hosts=hosts)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="debug" if args.debug else "warning",
                            access_log=args.debug)
    server = uvicorn.Server(config)
    _announce(server, args.host, token)
    server.run()
    return 0


def _announce(server: Any, host: str, token: str | None) -> None:
    """Print the URL once uvicorn listens (the port may have been 0)."""
    import sys

    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                port = sock.getsockname()[1]
                shown = f"[{host}]" if ":" in host else host
                query = f"/?token={token}" if token else "/"
                print(f"evalscope app: http://{shown}:{port}{query}", file=sys.stderr, flush=True)
                return

    server.startup = startup


def run_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from evalscope.report.html import write_html

    dirs = [Path(d).expanduser() for d in args.html]
    bad = [str(d) for d in dirs if not (d / "reports").is_dir()]
    if bad:
        raise UsageError(f"--html: not a run directory (no reports/ folder): {', '.join(bad)}")
    out = Path(args.output) if args.output else (dirs[0] / "reports" / "report.html" if len(dirs) == 1
                                                  else Path("report.html"))
    print(write_html(dirs, out))
    return 0
