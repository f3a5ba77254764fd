"""The viewer's speed: a 100,000-sample run and 200 small runs, served by `evalscope app` in a subprocess.

Prints the HTTP latency of the runs list (200 runs), of samples pages of the big run (cold: the first request
builds the offset index; warm: first, middle and last page; the `wrong` filter; a full-text search, cold and
cached), the first contentful paint of those pages in headless Chromium when /usr/bin/chromium and playwright
are there, and the app's RSS. Run: .venv/bin/python bench/app_samples.py [--samples 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from evalscope.native.records import PredictionRecord, ReviewRecord
from evalscope.report.io import write_report
from evalscope.report.schema import Category, Metric, Report, Subset


def make_run(root: Path, name: str, n: int, bench: str = "big_bench") -> Path:
    run = root / name
    (run / "configs").mkdir(parents=True)
    (run / "configs" / "task_config.yaml").write_text(f"model: m\nmodel_id: m\ndatasets: [{bench}]\n")
    for kind in ("predictions", "reviews"):
        (run / kind / "m").mkdir(parents=True)
    right = 0
    with open(run / "predictions" / "m" / f"{bench}_default.jsonl", "w") as p, \
            open(run / "reviews" / "m" / f"{bench}_default.jsonl", "w") as r:
        for i in range(n):
            answer = f"The answer is {i % 97}. " + "Some reasoning text about the question. " * 4
            pred = PredictionRecord(sample_id=f"q-{i}", subset="default", model="m", input_hash="0" * 16,
                                    messages=[{"role": "user", "content": f"Question {i}: what is {i} mod 97? "
                                               + "Context sentence. " * 10}],
                                    target=str(i % 97), output={"content": answer, "model": "m"})
            score = 1.0 if i % 3 else 0.0
            right += int(score)
            rev = ReviewRecord(sample_id=f"q-{i}", subset="default", prediction_hash="p" * 16, prediction=answer,
                               extracted_prediction=str(i % 97), target=str(i % 97), score={"acc": score})
            p.write(pred.model_dump_json() + "\n")
            r.write(rev.model_dump_json() + "\n")
    write_report(run / "reports", Report(name=f"m@{bench}", model_name="m", dataset_name=bench, metrics=[
        Metric(name="mean_acc", categories=[Category(subsets=[Subset(name="default", score=right / max(n, 1),
                                                                     num=n)])])]))
    return run


def get(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        size = len(resp.read())
    return time.perf_counter() - started, size


def first_paint(urls: list[tuple[str, str]]) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("first paint: skipped (playwright is not installed)")
        return
    if not Path("/usr/bin/chromium").exists():
        print("first paint: skipped (/usr/bin/chromium is missing)")
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=http://127.0.0.1:9"])
        for label, url in urls:
            page = browser.new_page()  # a fresh page each: paint entries belong to a page's first document
            started = time.perf_counter()
            page.goto(url)
            load_ms = 1000 * (time.perf_counter() - started)
            page.wait_for_timeout(200)
            fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
            shown = "n/a" if fcp is None else f"{fcp:.0f}"
            print(f"first contentful paint  {label:<34} {shown:>8} ms  (load event {load_ms:.0f} ms)")
            page.close()
        browser.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="app-bench-"))
    try:
        started = time.perf_counter()
        big = make_run(work / "big", "20260101_000000", args.samples)
        for i in range(args.runs):
            make_run(work / "many", f"20260102_{i // 60:02d}{i % 60:02d}00", 20, bench=f"bench_{i % 7}")
        size = sum(f.stat().st_size for f in (big / "predictions").rglob("*.jsonl"))
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"made {args.samples} samples ({size / 1e6:.0f} MB of predictions) and {args.runs} runs "
              f"in {time.perf_counter() - started:.1f} s")
        proc = subprocess.Popen([sys.executable, "-m", "evalscope", "app", "--outputs", str(work / "big"),
                                 str(work / "many"), "--port", "0"], stderr=subprocess.PIPE, text=True)
        line = ""
        while "http://" not in line:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                raise SystemExit("the app did not start")
        base = line.split("evalscope app: ", 1)[1].strip().rstrip("/")
        print(f"app RSS at start: {rss_mb(proc.pid):.0f} MB")
        run = "0/20260101_000000"
        pages = [("runs list (cold)", "/"), ("runs list (warm)", "/"),
                 ("samples page 1 (cold index)", f"/samples?id={run}"),
                 ("samples page 1 (warm)", f"/samples?id={run}"),
                 ("samples middle page", f"/samples?id={run}&offset={args.samples // 2}"),
                 ("samples last page", f"/samples?id={run}&offset={args.samples - 50}"),
                 ("wrong filter, page 1", f"/samples?id={run}&status=wrong"),
                 ("wrong filter, page 100", f"/samples?id={run}&status=wrong&offset=5000"),
                 ("search 'question 4242:' (cold)", f"/samples?id={run}&q=question+4242%3A"),
                 ("search (cached), page 2", f"/samples?id={run}&q=question+4242%3A&offset=50")]
        for label, path in pages:
            seconds, nbytes = get(base + path)
            print(f"GET {label:<34} {1000 * seconds:8.1f} ms  {nbytes / 1e3:7.0f} kB")
        print(f"app RSS after the pages: {rss_mb(proc.pid):.0f} MB")
        first_paint([(f"runs list ({args.runs} runs)", base + "/"),
                     (f"samples page ({args.samples} run)", base + f"/samples?id={run}"),
                     ("samples middle page", base + f"/samples?id={run}&offset={args.samples // 2}")])
        print(f"app RSS at the end: {rss_mb(proc.pid):.0f} MB")
        proc.terminate()
        proc.wait(10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
