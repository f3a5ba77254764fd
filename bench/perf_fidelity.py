"""How far `evalscope perf`'s TTFT and ITL are from the truth, measured against the mock server.

The mock server (TTFT 100 ms, ITL 10 ms, 64 tokens, streaming) runs pinned to one core, the client
(`evalscope perf` as a subprocess) to the other. For parallel 1, 64 and 256 it prints the client's
mean and p99 TTFT and mean ITL next to the values the server reports it applied, and their error.
Both processes stamp on the same machine's clocks, so the TTFT error is also split into its two legs:
request (client send stamp -> the kernel queues the request at the server) and response (server
writes the first content chunk -> the client stamps it).

    .venv/bin/python bench/perf_fidelity.py [--parallel 1 64 256] [--rounds 4] [--repeats 3] [--nice -10]
        [--event-loop auto|asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalscope.perf.metrics import percentile  # noqa: E402
from evalscope.perf.mock_server import run_in_subprocess  # noqa: E402
from evalscope.perf.storage import read_db  # noqa: E402

TTFT_MS, ITL_MS, TOKENS = 100.0, 10.0, 64


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def cpus() -> tuple[int, int]:
    avail = sorted(os.sched_getaffinity(0))
    return (avail[0], avail[1]) if len(avail) > 1 else (avail[0], avail[0])


def one(server, parallel: int, number: int, client_cpu: int, out: Path, loop: str = "auto") -> dict:
    server.reset()
    cmd = ["taskset", "-c", str(client_cpu), sys.executable, "-m", "evalscope", "perf", "--url", server.url + "/chat/completions",
           "--model", "mock", "--parallel", str(parallel), "-n", str(number), "--prompt", "hello", "--stream",
           "--max-tokens", str(TOKENS), "--outputs-dir", str(out), "--no-timestamp", "--name", f"p{parallel}",
           "--no-html", "--no-test-connection", "--log-every-n-query", "0", "--warmup-num", str(parallel), "--event-loop", loop]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = read_db(out / f"p{parallel}" / f"parallel_{parallel}_number_{number}" / "benchmark_data.db")
    ok = [r for r in rows if r["success"]]
    ttft = sorted(r["first_chunk_latency"] * 1000 for r in ok)
    itl = [x * 1000 for r in ok for x in r["inter_token_latencies"]]
    applied = [r for r in server.stats(requests=True)["requests"] if r.get("status") == 200][parallel:]  # not warm-up
    summary = json.loads((out / f"p{parallel}" / f"parallel_{parallel}_number_{number}" / "benchmark_summary.json").read_text())
    check = summary["self_check"]
    s_ttft = sorted(r["ttft_ms"] for r in applied)
    s_itl = [r["itl_ms"] for r in applied if r.get("itl_ms") is not None]
    # epoch stamps on both sides; means of the two legs need no request-by-request matching
    c_send = [r["start_time"] for r in ok]
    c_first = [r["chunk_times"][0] for r in ok]
    s_arrived = [r["arrived"] for r in applied]
    s_first = [r["arrived"] + r["ttft_ms"] / 1000 for r in applied]
    return {
        "parallel": parallel, "n": len(ok), "failed": len(rows) - len(ok),
        "ttft_mean": mean(ttft), "ttft_p99": percentile(ttft, 99), "itl_mean": mean(itl),
        "s_ttft_mean": mean(s_ttft), "s_ttft_p99": percentile(s_ttft, 99), "s_itl_mean": mean(s_itl),
        "leg_request": (mean(s_arrived) - mean(c_send)) * 1000, "leg_response": (mean(c_first) - mean(s_first)) * 1000,
        "lag_p99": check["loop_lag_ms"]["percentiles"]["p99"], "busy": check["cpu_busy"], "bound": check["client_bound"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parallel", type=int, nargs="+", default=[1, 64, 256])
    ap.add_argument("--rounds", type=int, default=4, help="requests per stream (number = parallel x rounds, min 20)")
    ap.add_argument("--repeats", type=int, default=1, help="repeat every level; the median errors are printed last")
    ap.add_argument("--event-loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="the client's loop")
    ap.add_argument("--nice", type=int, default=0,
                    help="run server and client at this niceness (negative needs root) to shield them from other load")
    a = ap.parse_args()
    if a.nice:
        os.nice(a.nice)  # the mock server and the clients are children: they inherit it
    server_cpu, client_cpu = cpus()
    print(f"mock server on cpu {server_cpu}, client on cpu {client_cpu}; server TTFT {TTFT_MS:g} ms, "
          f"ITL {ITL_MS:g} ms, {TOKENS} tokens, streaming; one warm-up wave per run; "
          f"load average {os.getloadavg()[0]:.2f}; niceness {a.nice}; client loop {a.event_loop}")
    header = (f"{'parallel':>8} {'n':>5} | {'TTFT mean':>9} {'true':>7} {'err':>6} | {'TTFT p99':>8} {'true':>7} "
              f"{'err':>6} | {'ITL mean':>8} {'true':>6} {'err':>6}  (ms)")
    with run_in_subprocess(cpus=[server_cpu], ttft_ms=TTFT_MS, itl_ms=ITL_MS, output_tokens=TOKENS) as server, \
            tempfile.TemporaryDirectory() as tmp:
        print(header)
        errors: dict[int, list[tuple[float, float, float]]] = {p: [] for p in a.parallel}
        for p in [p for _ in range(a.repeats) for p in a.parallel]:
            r = one(server, p, max(20, p * a.rounds), client_cpu, Path(tmp), a.event_loop)
            errors[p].append((r["ttft_mean"] - r["s_ttft_mean"], r["ttft_p99"] - r["s_ttft_p99"],
                              r["itl_mean"] - r["s_itl_mean"]))
            print(f"{p:>8} {r['n']:>5} | {r['ttft_mean']:9.2f} {r['s_ttft_mean']:7.2f} {r['ttft_mean'] - r['s_ttft_mean']:+6.2f} | "
                  f"{r['ttft_p99']:8.2f} {r['s_ttft_p99']:7.2f} {r['ttft_p99'] - r['s_ttft_p99']:+6.2f} | "
                  f"{r['itl_mean']:8.3f} {r['s_itl_mean']:6.3f} {r['itl_mean'] - r['s_itl_mean']:+6.3f}"
                  + f" | legs {r['leg_request']:+.3f} {r['leg_response']:+.3f}"
                  + f" | lag p99 {r['lag_p99']:.1f} ms, CPU {r['busy']:.0%}" + (" CLIENT-BOUND" if r["bound"] else "")
                  + (f"  ({r['failed']} failed)" if r["failed"] else ""), flush=True)
    if a.repeats > 1:
        print("median error over repeats (ms): " + "; ".join(
            f"parallel {p}: TTFT mean {statistics.median(e[0] for e in es):+.2f}, p99 {statistics.median(e[1] for e in es):+.2f}, "
            f"ITL {statistics.median(e[2] for e in es):+.3f}" for p, es in errors.items()))
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other processes on these cores inflate every error)")
    print("err = client - server-applied. Server-applied TTFT is measured inside the server, from the arrival of the "
          "request's bytes (the kernel's receive time, SO_TIMESTAMPNS) to the write of its first content chunk, so the "
          "server's own queueing is part of the truth; the client's also includes the loopback transfer both ways. "
          "legs = mean request leg and response leg of the TTFT error (ms).")


if __name__ == "__main__":
    main()
