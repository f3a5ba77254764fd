"""``run_perf(args)``: the sweep. Prompts -> bodies -> one run per (parallel, number) -> outputs.

``run_perf_benchmark(cfg)`` is EvalScope's Python entry point: it takes ``PerfArgs`` (alias
``Arguments``), a dict or an argparse namespace and returns ``{run name: {"metrics": summary,
"percentiles": rows}}`` as plain JSON-ready data (the contents of ``benchmark_summary.json`` and
``benchmark_percentile.json``). Library code: progress and tables go through the ``Display`` handed in
(``evalscope.display``); the log of the whole sweep is also written to ``benchmark.log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Optional, Union

from evalscope.display import Display, NullDisplay
from evalscope.errors import UsageError
from evalscope.perf import event_loop
from evalscope.perf.arguments import PerfArgs, RunSpec
from evalscope.perf.summary import BenchmarkSummary, percentile_rows, summarize

logger = logging.getLogger(__name__)


def make_api(args: PerfArgs):
    from evalscope.perf.apis.base import ApiPlugin
    from evalscope.perf.local import wire_api
    from evalscope.perf.plugins import get_plugin

    name = args.api_plugin if args.api == "custom" else wire_api(args.api)
    cls = get_plugin("perf_api", name)
    if not (isinstance(cls, type) and issubclass(cls, ApiPlugin)):
        raise UsageError(f"API plugin {cls!r} is not an ApiPlugin subclass")
    return cls(args)


def _bodies(api, items) -> list[bytes]:
    from evalscope.perf.apis.base import encode_body

    return [encode_body(api, item) for item in items]


def run_perf_benchmark(cfg: Union[PerfArgs, dict, argparse.Namespace],
                       display: Optional[Display] = None) -> dict[str, dict[str, Any]]:
    """EvalScope's ``run_perf_benchmark``: run the sweep; returns each run's summary and percentiles by run name."""
    if isinstance(cfg, argparse.Namespace):
        cfg = {k: v for k, v in vars(cfg).items() if v is not None and k != "func"}
    from evalscope.perf.results import RunMetrics, RunPercentiles

    args = cfg if isinstance(cfg, PerfArgs) else perf_args_from(cfg)
    root, summaries = _run(args, display)
    out: dict[str, dict[str, Any]] = {}
    for spec, s in zip(args.runs, summaries):
        trace_file = root / spec.name / "trace_summary.json"
        out[spec.name] = {
            "metrics": RunMetrics(s), "percentiles": RunPercentiles(percentile_rows(s)),
            "trace_summary": json.loads(trace_file.read_text()) if trace_file.exists() else None,
            "workload_throughput": None,  # EvalScope 1.14's key; not measured here
        }
    return out


def run_perf(args: PerfArgs, display: Optional[Display] = None) -> list[BenchmarkSummary]:
    """Run every (parallel, number) of ``args``; returns their summaries (also written to disk)."""
    return _run(args, display)[1]


def _run(args: PerfArgs, display: Optional[Display]) -> tuple[Path, list[BenchmarkSummary]]:
    from evalscope.logfile import log_to_file
    from evalscope.perf import storage

    timestamp = None if args.no_timestamp else time.strftime("%Y%m%d_%H%M%S")
    root = storage.output_root(args.outputs_dir, args.run_name, timestamp)
    with (storage.claim(root) if timestamp is None else nullcontext(root)), log_to_file(root / "benchmark.log", args.debug):
        logger.info("evalscope perf -> %s", root)
        from evalscope.perf.local import local_server

        with local_server(args, root) as target:  # --api local_vllm: the server it starts, stopped after
            return root, _sweep(target, root, display or NullDisplay())


def _sweep(args: PerfArgs, root: Path, display: Display) -> list[BenchmarkSummary]:
    from evalscope.perf.apis.base import PromptItem
    from evalscope.perf.datasets import PromptSource
    from evalscope.perf.tokenizer import load_tokenizer

    api = make_api(args)
    tokenizer = load_tokenizer(args.tokenizer_path)
    if args.stream and not api.streams:
        logger.info("--api %s does not stream; sending non-streamed requests", args.api)
    # every run and warm-up takes prompts of its own, in order, so that a later run never re-sends an earlier
    # one's (a prefix cache would make it look faster); --dataset-offset skips that many first
    source = PromptSource(args, tokenizer, multi_turn=args.multi_turn)
    first = source.first()
    probe = PromptItem(messages=list(first[0])) if args.multi_turn else first
    if not args.no_test_connection:
        from evalscope.perf.runner import check_connection

        event_loop.run(check_connection(args, api, api.build_body(probe)), args.event_loop)
    if args.visualizer:  # a missing package or key is reported before any load is sent
        from evalscope.perf.visualizer import start

        start(args, root)
    if args.dataset_offset:
        source.take(args.dataset_offset)
    summaries: list[BenchmarkSummary] = []
    for k, spec in enumerate(args.runs):
        if k and args.sleep_interval:
            time.sleep(args.sleep_interval)
        warm_items = source.take(args.warmup_count(spec.number))
        run_items = source.take(spec.number)
        summaries.append(_one_run(args, api, run_items, warm_items, tokenizer, spec, root, display))
    _write_sweep(args, root, summaries, api.embedding, display)
    return summaries


def _one_run(args, api, run_items: list, warm_items: list, tokenizer, spec: RunSpec, root: Path,
             display: Display) -> BenchmarkSummary:
    from evalscope.perf import storage, tables
    from evalscope.perf.runner import run_conversations, run_once
    from evalscope.perf.tokens import fill_tokens

    parallel, number = spec.parallel, spec.number
    label = ("open loop" if parallel is None else f"parallel={parallel}") + f" number={number}" + (
        f" rate={spec.rate:g}/s" if spec.rate else "") + (" conversations" if args.multi_turn else "")
    progress = display.progress(label, number)
    counter = {"done": 0, "failed": 0}

    def on_done(record) -> None:
        counter["failed"] += not record.success
        if args.multi_turn and record.success and record.turn < len(run_items[record.trace_id]):
            return  # progress counts whole conversations
        counter["done"] += 1
        progress.advance()
        if args.log_every_n_query and counter["done"] % args.log_every_n_query == 0:
            logger.info("%s: %d/%d done, %d failed", label, counter["done"], number, counter["failed"])

    if args.multi_turn:
        job = run_conversations(args, api, run_items, spec, on_done=on_done, warmup=warm_items or None)
    else:
        job = run_once(args, api, _bodies(api, run_items), spec, on_done=on_done,
                       warmup=_bodies(api, warm_items) if warm_items else None)
    result = event_loop.run(job, args.event_loop)
    progress.close()
    if args.multi_turn:  # each turn's prompt is the context it carried
        run_items = result.prompts or []
    fill_tokens(result.records, run_items, tokenizer)
    summary = summarize(result, embedding=api.embedding)
    out = root / spec.name
    storage.write_db(out / "benchmark_data.db", result.records, result.wall_origin)
    storage.write_json(out / "benchmark_args.json",
                       {**args.masked_dump(), "parallel": parallel, "number": number, "rate": spec.rate or -1})
    storage.write_json(out / "benchmark_summary.json", summary.to_json())
    storage.write_json(out / "benchmark_percentile.json", percentile_rows(summary))
    if args.multi_turn:
        from evalscope.perf.traces import trace_summary

        traces = trace_summary(result.records)
        storage.write_json(out / "trace_summary.json", traces)
        display.message(f"\nConversations ({label}):\n" + tables.trace_table(traces))
    display.message(f"\nBenchmark summary ({label}) -> {out}\n" + tables.summary_table(summary))
    display.message("Percentiles:\n" + tables.percentile_table(summary))
    if args.dataset == "speed_benchmark":
        display.message("Speed benchmark:\n" + tables.speed_table(result.records))
    if args.visualizer:
        from evalscope.perf.visualizer import log_run

        log_run(args, parallel, number, summary, root=root)
    return summary


def _write_sweep(args: PerfArgs, root: Path, summaries: list[BenchmarkSummary], embedding: bool, display: Display) -> None:
    from evalscope.perf import storage, tables

    storage.write_json(root / "sweep_summary.json", [s.to_json() for s in summaries])
    if len(summaries) > 1:
        display.message("\nSweep:\n" + tables.sweep_table(summaries, embedding))
    if not args.no_html:
        from evalscope.perf.report_html import write_report

        path = write_report(root, args, summaries)
        display.message(f"HTML report: {path}")
    bound = [s.run_label for s in summaries if s.self_check and s.self_check.client_bound]
    if bound:
        display.message(
            f"WARNING: the client could not keep up at {', '.join(bound)}: those latency figures are not trustworthy"
        )


def perf_args_from(data: dict[str, Any]) -> PerfArgs:
    """``PerfArgs`` from a dict, with validation errors as a ``ConfigError`` naming the field."""
    from pydantic import ValidationError

    from evalscope.errors import ConfigError

    try:
        return PerfArgs.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "args"
            parts.append(f"{loc}: {err['msg']}")
        raise ConfigError("invalid perf arguments: " + "; ".join(parts)) from None
