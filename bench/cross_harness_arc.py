"""The same ARC-Challenge rows through three harnesses: Native ``arc``, OpenCompass ``ARC_c`` and an lm-eval
task on the same file, against the project's mock server (200 ms per request, 8 in flight): wall time of each (one ``run_task``
per harness, so each is timed alone), the scores side by side, and the one table of the three reports
(what ``run_task`` given the three tasks as a list prints; tests/e2e/test_lm_eval_cross_harness.py runs that).

    .venv/bin/python bench/cross_harness_arc.py [--n 100] [--latency-ms 200] [--batch 8] [--skip opencompass]

Data: the first ``n`` four-choice rows of the shared ``ARC-Challenge-Dev.jsonl`` (OpenCompass's ARC_c reads
the Dev split and skips other rows), written once to a scratch folder (outside the repository) in the
layouts the three read: ``ARC-Challenge/ARC-Challenge-Dev.jsonl`` (Native, ``local_path``, ``eval_split:
dev``), ``data/ARC/ARC-c/ARC-Challenge-Dev.jsonl`` (OpenCompass ``dataset_dir``: a symlink to the same
file) and an lm-eval task YAML ``arc_c_local`` reading the same file. The mock answers every question
with a bare letter: right for 3 rows in 4, so every harness should score 0.75 when it extracts the letter.
Needs the lm-eval and OpenCompass environments (``evalscope backend install lm-eval`` / ``opencompass``);
a harness whose environment is absent is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("EVALSCOPE_SHARED_DATASETS", "/work/shared/datasets"))
ARC_DEV = SHARED / "arc" / "ARC-Challenge" / "ARC-Challenge-Dev.jsonl"
LETTERS = "ABCD"

# lm-eval's side: OpenCompass's ARC_c prompt (``Question: ...\nA. ...\nAnswer:``) on the original ARC rows,
# the first A-D letter of the reply (like OpenCompass's first_option_postprocess on a bare letter)
LM_EVAL_TASK = {
    "task": "arc_c_local", "dataset_path": "json", "test_split": "test", "output_type": "generate_until",
    "doc_to_text": "Question: {{question.stem}}\n{% for c in question.choices %}{{ 'ABCD'[loop.index0] }}. "
                   "{{c.text}}\n{% endfor %}Answer:",
    "doc_to_target": "{% set labels = question.choices | map(attribute='label') | list %}"
                     "{{ 'ABCD'[labels.index(answerKey)] }}",
    "generation_kwargs": {"until": ["\n\n"], "do_sample": False},
    "filter_list": [{"name": "letter", "filter": [{"function": "regex", "regex_pattern": "\\b([A-D])\\b"},
                                                   {"function": "take_first"}]}],
    "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
}


def arc_rows(n: int) -> list[dict[str, Any]]:
    """The first ``n`` rows of the Dev file with exactly four choices, as the original jsonl rows."""
    rows = []
    for line in ARC_DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if len(row["question"]["choices"]) == 4:
            rows.append(row)
        if len(rows) == n:
            break
    return rows


def key_letter(row: dict[str, Any]) -> str:
    return LETTERS[[c["label"] for c in row["question"]["choices"]].index(row["answerKey"])]


def replies(rows: list[dict[str, Any]]) -> list[str]:
    """The mock's answer per row: the key, except every fourth row (a wrong letter)."""
    return [key_letter(r) if i % 4 != 3 else LETTERS[(LETTERS.index(key_letter(r)) + 1) % 4]
            for i, r in enumerate(rows)]


def prepare(root: Path, n: int) -> list[dict[str, Any]]:
    """The three layouts under ``root`` (one data file); returns the rows."""
    import yaml

    rows = arc_rows(n)
    native = root / "ARC-Challenge" / "ARC-Challenge-Dev.jsonl"
    native.parent.mkdir(parents=True, exist_ok=True)
    native.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    oc = root / "data" / "ARC" / "ARC-c" / "ARC-Challenge-Dev.jsonl"
    oc.parent.mkdir(parents=True, exist_ok=True)
    if not oc.exists():
        oc.symlink_to(native)
    tasks = root / "lm_eval_tasks"
    tasks.mkdir(exist_ok=True)
    (tasks / "arc_c_local.yaml").write_text(yaml.safe_dump(
        {**LM_EVAL_TASK, "dataset_kwargs": {"data_files": {"test": str(native)}}}), encoding="utf-8")
    return rows


def task_configs(root: Path, url: str, n: int, batch: int, work: Path,
                 harnesses: tuple[str, ...] = ("native", "opencompass", "lm-eval")) -> list[dict[str, Any]]:
    """One task per harness, the same model, generation settings and concurrency."""
    common = {"model": "mock-model", "api_url": url, "api_key": "EMPTY", "eval_batch_size": batch,
              "generation_config": {"temperature": 0.0, "max_tokens": 16}, "no_timestamp": True}
    out = {
        "native": {**common, "work_dir": str(work / "native"), "datasets": ["arc"], "limit": n,
                   "dataset_args": {"arc": {"local_path": str(root), "subset_list": ["ARC-Challenge"],
                                            "eval_split": "dev"}}},
        "opencompass": {**common, "work_dir": str(work / "opencompass"), "eval_backend": "OpenCompass",
                        "datasets": ["ARC_c"], "limit": n, "dataset_dir": str(root)},
        "lm-eval": {**common, "work_dir": str(work / "lm-eval"), "eval_backend": "lm-eval",
                    "datasets": ["arc_c_local"], "limit": n,
                    "eval_config": {"include_path": str(root / "lm_eval_tasks")}},
    }
    return [out[h] for h in harnesses]


def installed(harness: str) -> bool:
    from evalscope.backend import envs

    return harness == "native" or envs.is_installed({"opencompass": "opencompass", "lm-eval": "lm_eval"}[harness])


def request_span(requests: list[dict[str, Any]]) -> float:
    """Seconds from the first request's arrival to the last one's end: the part of the wall time spent asking."""
    done = [(r["arrived"], r["arrived"] + r["latency_ms"] / 1000) for r in requests
            if r.get("arrived") is not None and r.get("latency_ms") is not None]
    return max(e for _, e in done) - min(a for a, _ in done) if done else float("nan")


def max_in_flight(requests: list[dict[str, Any]]) -> int:
    """The most requests the server held at once (arrival .. arrival + latency)."""
    events = []
    for r in requests:
        if r.get("arrived") is not None and r.get("latency_ms") is not None:
            events += [(r["arrived"], 1), (r["arrived"] + r["latency_ms"] / 1000, -1)]
    peak = now = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        now += step
        peak = max(peak, now)
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--skip", action="append", default=[], choices=["native", "opencompass", "lm-eval"])
    args = parser.parse_args()
    if not ARC_DEV.exists():
        print(f"no shared ARC data at {ARC_DEV}")
        return 1
    from evalscope import run_task
    from evalscope.display import TerminalDisplay
    from evalscope.perf.mock_server import run_in_thread

    harnesses = []
    for h in ("native", "opencompass", "lm-eval"):
        if h in args.skip:
            continue
        if not installed(h):
            print(f"skipping {h}: its environment is not installed (evalscope backend install {h})")
            continue
        harnesses.append(h)
    scratch = Path(tempfile.mkdtemp(prefix="cross_harness_arc_"))
    rows = prepare(scratch / "data", args.n)
    script = [{"contains": r["question"]["stem"], "reply": a} for r, a in zip(rows, replies(rows))]
    expected = sum(a == key_letter(r) for r, a in zip(rows, replies(rows))) / len(rows)
    print(f"{len(rows)} ARC-Challenge Dev rows (four choices), mock latency {args.latency_ms:g} ms, "
          f"{args.batch} in flight; scripted answers right for {expected:.2f}; scratch {scratch}")
    figures = []
    with run_in_thread(script=script, latency_ms=args.latency_ms, ttft_ms=args.latency_ms) as server:
        for harness, task in zip(harnesses, task_configs(scratch / "data", server.url, args.n, args.batch,
                                                           scratch / "runs", tuple(harnesses))):
            server.reset()
            started = time.monotonic()
            (result,) = run_task([task], display=_Quiet())
            wall = time.monotonic() - started
            stats = server.stats(requests=True)
            (report,) = result.values()
            figures.append((harness, report, wall, request_span(stats["requests"]), stats["total_requests"],
                            max_in_flight(stats["requests"])))
    ideal = len(rows) * args.latency_ms / 1000 / args.batch
    print(f"\nideal request time n*latency/in-flight = {ideal:.1f} s\n")
    print(f"{'harness':<12} {'backend_version':<24} {'dataset':<12} {'score':>6} {'num':>4} {'wall s':>7} "
          f"{'asking s':>8} {'requests':>8} {'max in flight':>13}")
    for harness, report, wall, span, total, peak in figures:
        print(f"{harness:<12} {report.backend_version or '-':<24} {report.dataset_name:<12} "
              f"{report.score if report.score is not None else float('nan'):>6.3f} {report.num:>4} {wall:>7.1f} "
              f"{span:>8.1f} {total:>8} {peak:>13}")
    print("(asking s: the first request's arrival to the last one's end, as the server saw them)")
    print("\nrun_task's one table for the three reports:")
    TerminalDisplay(out=sys.stdout, err=sys.stderr).results([f[1] for f in figures])
    return 0


class _Quiet:
    def progress(self, label: str, total: int) -> Any:
        from evalscope.display import NullDisplay

        return NullDisplay().progress(label, total)

    def message(self, text: str) -> None:
        pass

    def results(self, reports: Any) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
