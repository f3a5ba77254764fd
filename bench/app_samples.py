"""The viewer's speed: a 100,000-sample run and 200 small runs, served by `evalscope app` in a subprocess.

First, in headless Chromium (when /usr/bin/chromium and playwright are there) against a fresh app: the first
contentful paint of the runs list, then of the big run's samples page while its index is cold (answered from
what is indexed so far), and of later pages. Then, against another fresh app, the HTTP latency of the runs list
right at start-up, of the cold samples page, how long the background index takes, warm pages, the `wrong`
filter, full-text searches (first request, time until complete, cached), and the app's RSS along the way.
Run: .venv/bin/python bench/app_samples.py [--samples 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import json
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


def get(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = resp.read()
    return time.perf_counter() - started, len(body), body


def until_complete(url: str, limit_s: float = 300) -> float:
    """Seconds until the JSON page at ``url`` says complete (polled every 50 ms)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        _, _, body = get(url)
        if json.loads(body)["complete"]:
            return time.perf_counter() - started
        time.sleep(0.05)
    return float("nan")


class Browser:
    """Headless Chromium (Debian's, driven by Playwright); ``None`` from :meth:`open` when either is missing."""

    @staticmethod
    def open():
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            print("first paint: skipped (playwright is not installed)")
            return None
        if not Path("/usr/bin/chromium").exists():
            print("first paint: skipped (/usr/bin/chromium is missing)")
            return None
        return sync_playwright().start()

    def __init__(self, playwright, base: str) -> None:
        self.p = playwright
        self.browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=http://127.0.0.1:9"])
        warm = self.browser.new_page()  # the renderer and the connection exist before the first measure,
        warm.goto(base + "/static/app.css")  # as in a browser that is already open
        warm.close()

    def paint(self, label: str, url: str, expect: str) -> None:
        """First contentful paint of ``url``, which must show ``expect`` (a CSS selector)."""
        page = self.browser.new_page()  # a fresh page each: paint entries belong to a page's first document
        started = time.perf_counter()
        response = page.goto(url)
        load_ms = 1000 * (time.perf_counter() - started)
        if response is None or response.status != 200 or page.locator(expect).count() == 0:
            raise SystemExit(f"{url}: HTTP {response and response.status}, no {expect!r} on the page")
        page.wait_for_timeout(200)
        fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
        shown = "n/a" if fcp is None else f"{fcp:.0f}"
        print(f"first contentful paint  {label:<40} {shown:>6} ms  (load event {load_ms:.0f} ms)")
        page.close()

    def close(self) -> None:
        self.browser.close()
        self.p.stop()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_app(roots: list[Path]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "evalscope", "app", "--outputs", *map(str, roots), "--port", "0"],
                            stderr=subprocess.PIPE, text=True)
    line = ""
    while "http://" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit("the app did not start")
    return proc, line.split("evalscope app: ", 1)[1].strip().rstrip("/")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(10)


def show(label: str, seconds: float, nbytes: int = 0) -> None:
    print(f"GET {label:<44} {1000 * seconds:8.1f} ms  {nbytes / 1e3:6.0f} kB")


def cold_paints(work: Path, args: argparse.Namespace, run: str) -> None:
    """A fresh app each: the runs list, then the samples page of the big run, as a user opens them."""
    playwright = Browser.open()
    if playwright is None:
        return
    proc, base = start_app([work / "big", work / "many"])
    try:
        browser = Browser(playwright, base)
        browser.paint(f"runs list ({args.runs + 1} runs, fresh app)", base + "/", "table.runs tbody tr")
        browser.paint(f"samples page ({args.samples} run, cold index)", base + f"/samples?id={run}",
                      "details.sample")
        browser.paint("wrong filter (index partial)", base + f"/samples?id={run}&status=wrong", "details.sample")
        print(f"app RSS after the cold paints: {rss_mb(proc.pid):.0f} MB")
        until_complete(base + f"/api/samples?id={run}&limit=1&nowait=1")
        middle = f"/samples?id={run}&offset={args.samples // 2}"
        browser.paint("samples middle page (index complete)", base + middle, "details.sample")
        browser.paint("wrong filter, page 100", base + f"/samples?id={run}&status=wrong&offset=5000",
                      "details.sample")
        browser.close()
    finally:
        stop(proc)


def http_pages(work: Path, args: argparse.Namespace, run: str) -> None:
    proc, base = start_app([work / "big", work / "many"])
    try:
        print(f"app RSS at start: {rss_mb(proc.pid):.0f} MB")
        for label, path in [("runs list (right at start-up)", "/"), ("runs list (again)", "/"),
                            ("samples page 1 (cold index)", f"/samples?id={run}")]:
            seconds, nbytes, body = get(base + path)
            partial = " (partial: " + ("so far" in body.decode()) * "'so far' shown" + ")" if "samples" in path else ""
            show(label + partial, seconds, nbytes)
        show("index complete after", until_complete(base + f"/api/samples?id={run}&limit=1&nowait=1"))
        print(f"app RSS with the index: {rss_mb(proc.pid):.0f} MB")
        q = "q=question+4242%3A"
        for label, path in [("samples page 1 (indexed)", f"/samples?id={run}"),
                            ("samples middle page", f"/samples?id={run}&offset={args.samples // 2}"),
                            ("samples last page", f"/samples?id={run}&offset={args.samples - 50}"),
                            ("wrong filter, page 1", f"/samples?id={run}&status=wrong"),
                            ("wrong filter, page 100", f"/samples?id={run}&status=wrong&offset=5000"),
                            ("search 'question 4242:' (first)", f"/samples?id={run}&{q}")]:
            seconds, nbytes, _ = get(base + path)
            show(label, seconds, nbytes)
        show("  ... search complete after", until_complete(base + f"/api/samples?id={run}&{q}&limit=1&nowait=1"))
        show("search (cached), page 1", *get(base + f"/samples?id={run}&{q}")[:2])
        show("search 'context' (every sample matches)", *get(base + f"/samples?id={run}&q=context")[:2])
        show("  ... search complete after", until_complete(base + f"/api/samples?id={run}&q=context&limit=1&nowait=1"))
        print(f"app RSS at the end: {rss_mb(proc.pid):.0f} MB")
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="app-bench-"))
    try:
        started = time.perf_counter()
        make_run(work / "big", "20260101_000000", args.samples)
        for i in range(args.runs):
            make_run(work / "many", f"20260102_{i // 60:02d}{i % 60:02d}00", 20, bench=f"bench_{i % 7}")
        size = sum(f.stat().st_size for f in (work / "big").rglob("*.jsonl"))
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"made {args.samples} samples ({size / 1e6:.0f} MB of predictions and reviews) and {args.runs} runs "
              f"in {time.perf_counter() - started:.1f} s")
        run = "0/20260101_000000"
        cold_paints(work, args, run)
        http_pages(work, args, run)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
