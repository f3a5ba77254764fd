"""``evalscope-vllm serve MODEL [--model-args JSON] [--port P] [--log FILE]`` (also ``python -m evalscope_vllm``):
the same as ``evalscope serve vllm MODEL ...``, the managed ``vllm serve`` kept up between runs until Ctrl-C or
SIGTERM, which stop its whole process group.

Prints one line when ready: ``http://127.0.0.1:PORT/v1 SERVED_NAME PID`` (pass the URL as --api-url).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "serve":
        print(__doc__, file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import evalscope_vllm.plugin  # noqa: F401  (server:vllm, also where the entry point is not installed)
    from evalscope.cli.main import main as evalscope_main

    return evalscope_main(["serve", "vllm", *argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
