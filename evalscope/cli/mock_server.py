"""``evalscope mock-server``: the project's mock OpenAI-compatible server, in the foreground."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "mock-server",
        help="run a mock OpenAI-compatible server (known TTFT/ITL, scripted answers, faults)",
        description="A mock OpenAI-compatible server on 127.0.0.1. Prints its base URL once listening.",
    )
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (0: a free one; default 0)")
    p.add_argument("--config", default=None, help="a MockServerConfig as JSON or YAML; flags override it")
    p.add_argument("--ttft-ms", type=float, default=None, help="time to first content chunk (ms)")
    p.add_argument("--itl-ms", type=float, default=None, help="time between content chunks (ms)")
    p.add_argument("--latency-ms", type=float, default=None, help="whole-response latency of non-stream requests (ms)")
    p.add_argument("--output-tokens", type=int, default=None, help="generated reply length in tokens")
    p.add_argument("--tokens-per-chunk", type=int, default=None, help="tokens per streamed chunk")
    p.add_argument("--script", default=None, help="rules file (JSON list or JSONL)")
    p.add_argument("--default-reply", default=None, help="reply when no rule matches")
    p.add_argument("--echo", action="store_true", default=None, help="reply with the prompt")
    p.add_argument("--model", dest="models", action="append", default=None, help="served model name (repeatable)")
    p.add_argument("--embedding-dim", type=int, default=None)
    p.add_argument("--reject-dimensions", action="store_true", default=None)
    p.add_argument("--fault", action="append", default=None, metavar="JSON",
                   help='a global fault, e.g. \'{"kind": "http_500", "rate": 0.1}\' (repeatable)')
    p.add_argument("--api-key", default=None, help="require this bearer token")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--debug", action="store_true", default=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from evalscope.errors import ConfigError
    from evalscope.perf.mock_server import MockServerConfig, load_config, load_script, serve

    try:
        base = load_config(args.config).model_dump() if args.config else {}
        overrides = {
            k: v
            for k, v in {
                "host": args.host,
                "port": args.port,
                "ttft_ms": args.ttft_ms,
                "itl_ms": args.itl_ms,
                "latency_ms": args.latency_ms,
                "output_tokens": args.output_tokens,
                "tokens_per_chunk": args.tokens_per_chunk,
                "default_reply": args.default_reply,
                "models": args.models,
                "embedding_dim": args.embedding_dim,
                "reject_dimensions": args.reject_dimensions,
                "api_key": args.api_key,
                "seed": args.seed,
            }.items()
            if v is not None
        }
        if args.echo:
            overrides["mode"] = "echo"
        if args.script:
            overrides["script"] = [r.model_dump() for r in load_script(args.script)]
        if args.fault:
            overrides["faults"] = [json.loads(f) for f in args.fault]
        config = MockServerConfig.model_validate({**base, **overrides})
    except ValidationError as exc:  # one line: "port: Input should be less than or equal to 65535 (got 99999)"
        parts = [f"{'.'.join(str(x) for x in e['loc']) or 'config'}: {e['msg']} (got {repr(e.get('input'))[:80]})"
                 for e in exc.errors()]
        raise ConfigError("mock-server: " + "; ".join(parts)) from None
    except (ValueError, OSError) as exc:
        raise ConfigError(f"mock-server: {exc}") from None

    def announce(url: str) -> None:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()

    serve(config, announce=announce)
    return 0
