"""``evalscope perf``: load-test an OpenAI-compatible server (EvalScope's flag names)."""

from __future__ import annotations

import argparse
import json


def _json_object(text: str):
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("perf", help="load-test an OpenAI-compatible server",
                              description="Load-test an OpenAI-compatible server (EvalScope-compatible flags).")
    g = p.add_argument_group("target")
    g.add_argument("--url", help="endpoint URL (…/v1/chat/completions, …/v1/completions, …/v1/embeddings) or a …/v1 base")
    g.add_argument("--api", help="openai | openai_embedding | local_vllm (starts vllm serve --model) | custom | a "
                   "registered perf_api plugin | module:Class")
    g.add_argument("--api-plugin", help="module:Class or file.py:Class of a custom ApiPlugin (with --api custom)")
    g.add_argument("--port", type=int, help="--api local_vllm: port of the server it starts (default: a free one)")
    g.add_argument("--model-args", type=_json_object,
                   help="--api local_vllm: JSON object of the server's model_args (as --eval-type vllm takes them)")
    g.add_argument("--model", help="model name sent in every body")
    g.add_argument("--api-key", help="bearer token (masked in outputs)")
    g.add_argument("--headers", nargs="+", metavar="KEY=VALUE", help="extra HTTP headers")
    g.add_argument("--connect-timeout", type=float, help="seconds to connect (default: the OS's)")
    g.add_argument("--read-timeout", type=float,
                   help="seconds a request may go without a byte before it fails (default 600, as EvalScope)")
    g.add_argument("--total-timeout", type=float, help="seconds a whole request may take (default 6 h)")
    g.add_argument("--no-test-connection", action="store_true", default=None)
    g.add_argument("--wait-for-server", type=float,
                   help="seconds the connection test retries a server that refuses or answers 5xx (default 60)")
    g.add_argument("--transport", choices=["auto", "fast", "aiohttp"],
                   help="HTTP client: auto (built-in HTTP/1.1 client for http://, aiohttp for https://)")
    g.add_argument("--event-loop", choices=["auto", "asyncio", "uvloop"],
                   help="event loop: auto (uvloop when installed, else asyncio)")
    g = p.add_argument_group("load")
    g.add_argument("--parallel", type=int, nargs="+", help="concurrency; several values run a sweep")
    g.add_argument("-n", "--number", type=int, nargs="+", help="requests per run (one per --parallel or --rate value)")
    g.add_argument("--rate", type=float, nargs="+",
                   help="requests/s with Poisson arrivals (default: closed loop); several values run a rate sweep, "
                        "each capped at --parallel in flight")
    g.add_argument("--open-loop", action="store_true", default=None,
                   help="send on the --rate schedule with no cap on requests in flight (--parallel is ignored)")
    g.add_argument("--multi-turn", action="store_true", default=None,
                   help="conversations: each turn carries the context so far; -n counts conversations")
    g.add_argument("--min-turns", type=int, help="random_multi_turn: fewest user turns per conversation")
    g.add_argument("--max-turns", type=int, help="most user turns per conversation (random_multi_turn draws up to it)")
    g.add_argument("--burstiness", type=float, help="gamma shape of inter-arrival gaps (1: Poisson)")
    g.add_argument("--warmup-num", type=float, help="warm-up requests (or fraction of --number) before each run")
    g.add_argument("--duration", type=float, help="stop sending after this many seconds per run")
    g.add_argument("--sleep-interval", type=float, help="seconds between sweep runs")
    g = p.add_argument_group("request body")
    g.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None, help="stream with SSE (default on)")
    g.add_argument("--require-done", action=argparse.BooleanOptionalAction, default=None,
                   help="a stream must end with [DONE] (default); --no-require-done accepts a clean end without it")
    g.add_argument("--max-tokens", type=int, nargs="+", help="max tokens per request, or a range 'min max'")
    g.add_argument("--min-tokens", type=int)
    g.add_argument("--stop", nargs="*")
    g.add_argument("--stop-token-ids", type=int, nargs="+")
    g.add_argument("--temperature", type=float)
    g.add_argument("--top-p", type=float)
    g.add_argument("--top-k", type=int)
    g.add_argument("--seed", type=int)
    g.add_argument("--frequency-penalty", type=float)
    g.add_argument("--repetition-penalty", type=float)
    g.add_argument("--logprobs", action="store_true", default=None)
    g.add_argument("--n-choices", type=int)
    g.add_argument("--extra-args", type=_json_object, help="JSON object merged into every body")
    g = p.add_argument_group("prompts")
    g.add_argument("--image-width", type=int, help="random_vl: generated image width (default 224)")
    g.add_argument("--image-height", type=int, help="random_vl: generated image height (default 224)")
    g.add_argument("--image-num", type=int, help="images per request (random_vl, flickr8k; default 1)")
    g.add_argument("--image-format", help="random_vl: RGB (default) or L")
    g.add_argument("--dataset-offset", type=int, help="skip this many prompts of the dataset first")
    g.add_argument("--dataset", help="openqa | longalpaca | line_by_line | random | random_vl | speed_benchmark | "
                   "flickr8k | embedding | custom_multi_turn | share_gpt_zh_multi_turn | share_gpt_en_multi_turn | "
                   "random_multi_turn | custom | module:Class")
    g.add_argument("--apply-chat-template", action=argparse.BooleanOptionalAction, default=None,
                   help="EvalScope's: must agree with --url (chat URL: messages; completions URL: raw prompts)")
    g.add_argument("--dataset-path")
    g.add_argument("--dataset-plugin", help="module:Class of a custom DatasetPlugin (with --dataset custom)")
    g.add_argument("--max-prompt-length", type=int)
    g.add_argument("--min-prompt-length", type=int)
    g.add_argument("--prefix-length", type=int)
    g.add_argument("--prompt", help="one prompt for every request (@file reads a file)")
    g.add_argument("--query-template", help="JSON request body or @file; %%p/%%prompt: the prompt, %%m: the model")
    g.add_argument("--tokenizer-path")
    g = p.add_argument_group("outputs")
    g.add_argument("--outputs-dir")
    g.add_argument("--name", help="run name (output folder; default: the model)")
    g.add_argument("--no-timestamp", action="store_true", default=None)
    g.add_argument("--no-html", action="store_true", default=None, help="skip the HTML report")
    g.add_argument("--log-every-n-query", type=int)
    g.add_argument("--visualizer", choices=["wandb", "swanlab"])
    g.add_argument("--wandb-api-key")
    g.add_argument("--swanlab-api-key")
    g.add_argument("--debug", action="store_true", default=None)
    p.set_defaults(func=run)


_NOT_ARGS = {"func"}


def run(ns: argparse.Namespace) -> int:
    from evalscope.display import TerminalDisplay
    from evalscope.perf.main import perf_args_from, run_perf

    data = {k: v for k, v in vars(ns).items() if v is not None and k not in _NOT_ARGS}
    args = perf_args_from(data)
    summaries = run_perf(args, TerminalDisplay())
    return 0 if all(s.succeed_requests > 0 for s in summaries) else 1
