"""Requests/s and streamed tokens/s one client core sustains: `evalscope perf` (ours) vs EvalScope's.

A zero-latency mock server (64 tokens per reply, streaming) runs pinned to one core; each client runs
pinned to the other, one after the other, alternating, ``--repeats`` times. EvalScope's own
`evalscope perf` must be installed in a separate venv (``--ref-venv``, default /tmp/venv-evalscope-ref):

    python3 -m venv /tmp/venv-evalscope-ref && /tmp/venv-evalscope-ref/bin/pip install 'evalscope[perf]'
    .venv/bin/python bench/perf_capacity.py [--parallel 256] [--number 4000] [--repeats 3]

Without that venv the EvalScope column is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalscope.perf.mock_server import run_in_subprocess  # noqa: E402

TOKENS = 64


def common(url: str, parallel: int, number: int, out: Path) -> list[str]:
    return ["--url", url, "--model", "mock", "--parallel", str(parallel), "-n", str(number), "--prompt", "hello",
            "--max-tokens", str(TOKENS), "--stream", "--outputs-dir", str(out), "--no-timestamp", "--name", "cap",
            "--no-test-connection"]


def read_summary(out: Path) -> dict:
    found = sorted(out.rglob("benchmark_summary.json"))
    if not found:
        raise RuntimeError(f"no benchmark_summary.json under {out}")
    return json.loads(found[-1].read_text())


def run_client(label: str, cmd: list[str], cpu: int, out: Path) -> dict:
    t = time.perf_counter()
    proc = subprocess.run(["taskset", "-c", str(cpu), *cmd], capture_output=True, text=True, cwd=out)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed ({proc.returncode}): {proc.stderr[-800:]}")
    s = read_summary(out)
    busy = (s.get("self_check") or {}).get("cpu_busy")
    return {"rps": s["Req Throughput (req/s)"], "tps": s["Output Throughput (tok/s)"], "failed": s["Failed Requests"],
            "wall": wall, "busy": busy}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parallel", type=int, default=256)
    ap.add_argument("--number", type=int, default=4000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ref-venv", default="/tmp/venv-evalscope-ref")
    a = ap.parse_args()
    avail = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = (avail[0], avail[1]) if len(avail) > 1 else (avail[0], avail[0])
    ref = Path(a.ref_venv) / "bin" / "evalscope"
    tools = {"ours": [sys.executable, "-m", "evalscope", "perf", "--no-html", "--log-every-n-query", "0"]}
    if ref.exists():
        tools["evalscope"] = [str(ref), "perf"]
    else:
        print(f"EvalScope reference skipped: {ref} not found (create the venv as in this script's docstring)")
    print(f"mock server (0 ms, {TOKENS} tokens/stream) on cpu {server_cpu}; clients on cpu {client_cpu}; "
          f"parallel {a.parallel}, {a.number} requests, {a.repeats} repeats; load average {os.getloadavg()[0]:.2f}")
    results: dict[str, list[dict]] = {k: [] for k in tools}
    with run_in_subprocess(cpus=[server_cpu], output_tokens=TOKENS) as server:
        url = server.url + "/chat/completions"
        for rep in range(a.repeats):
            for name, base in tools.items():
                with tempfile.TemporaryDirectory() as tmp:
                    r = run_client(name, base + common(url, a.parallel, a.number, Path(tmp)), client_cpu, Path(tmp))
                results[name].append(r)
                print(f"  repeat {rep + 1} {name:>9}: {r['rps']:8.1f} req/s {r['tps']:10.0f} tok/s "
                      f"({r['failed']} failed, {r['wall']:.1f} s wall"
                      + (f", client CPU busy {r['busy']:.0%}" if r["busy"] is not None else "") + ")", flush=True)
    print(f"\n{'client':>10} | {'median req/s':>12} {'best req/s':>10} | {'median tok/s':>12} {'best tok/s':>10}")
    med = {}
    for name, rs in results.items():
        med[name] = statistics.median(r["rps"] for r in rs)
        print(f"{name:>10} | {med[name]:12.1f} {max(r['rps'] for r in rs):10.1f} | "
              f"{statistics.median(r['tps'] for r in rs):12.0f} {max(r['tps'] for r in rs):10.0f}")
    if "evalscope" in med:
        print(f"\nours / EvalScope (median req/s): {med['ours'] / med['evalscope']:.2f}x")


if __name__ == "__main__":
    main()
