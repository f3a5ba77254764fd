"""What the VLMEvalKit backend adds: a 200-sample DocVQA-format run through ``evalscope eval --eval-backend
VLMEvalKit`` against calling VLMEvalKit directly on the same config, in its environment.

Writes ``DocVQA_VAL.tsv`` (distinct 800x600 PNG pages with text drawn on white, one question each) and
starts the mock server (its own process) at 200 ms per request, answering every question by script.
Then, alternating, ``--repeats`` times each:

- ``evalscope``: ``.venv/bin/evalscope eval --eval-backend VLMEvalKit --eval-config cfg.yaml`` (the core's
  CLI, the isolated runner: job file, the backend environment's python, reports, predictions/reviews);
- ``direct``: the backend environment's python running VLMEvalKit's own ``run_task`` on the same model
  (``CustomAPIModel``, same api_base/temperature/max_tokens), data, ``api_nproc``, judge and output formats
  (``PRED_FORMAT=tsv``, ``EVAL_FORMAT=csv``), with the local TSV's md5 entry dropped as the backend does
  (else VLMEvalKit would try to download the official file).

Prints per run the wall time split into VLMEvalKit's own part (``import vlmeval`` + ``run_task``: the
harness logs both, the direct script prints both) and the rest, the span from the first request's arrival
to the last answer (mock log) and the ANLS; then the means. The project's addition is the difference of
the "outside" parts (process starts, the job file, the reports, predictions/reviews, the HTML report):
on a shared machine the walls themselves differ by more than that from run to run (``import vlmeval``
alone varies by 10-20 s under load). Goal: at most 5 s in total, nothing per sample (equal request spans).

    EVALSCOPE_BACKENDS_DIR=/work/envs/backends .venv/bin/python bench/vlmevalkit_docvqa.py [--n 200] [--nproc 16]
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.perf.mock_server import run_in_subprocess

DIRECT = r'''
import json, os, sys, time
from functools import partial
cfg = json.loads(sys.argv[1])
os.environ.update({"LMUData": cfg["lmudata"], "PRED_FORMAT": "tsv", "EVAL_FORMAT": "csv"})
for v in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(v, None)
t0 = time.monotonic()
import vlmeval.dataset as ds
from vlmeval.config import supported_VLM
t_import = time.monotonic() - t0
from vlmeval.run import run_task
from vlmeval.utils.arguments import Arguments
ds.ImageVQADataset.DATASET_MD5.pop("DocVQA_VAL", None)
supported_VLM["mock-vl"] = partial(supported_VLM["CustomAPIModel"].func if isinstance(supported_VLM["CustomAPIModel"], partial)
                                   else supported_VLM["CustomAPIModel"], model="mock-vl", api_base=cfg["api_base"],
                                   key="EMPTY", temperature=0.0, max_tokens=32, retry=5, timeout=60)
args = Arguments(data=["DocVQA_VAL"], model=["mock-vl"], work_dir=cfg["work_dir"], api_nproc=cfg["nproc"],
                 judge="exact_matching", mode="all")
t0 = time.monotonic()
run_task(args)
print(f"TIMES {t_import:.3f} {time.monotonic() - t0:.3f}", file=sys.stderr, flush=True)
'''


def page(i: int, answer: str) -> str:
    from PIL import Image, ImageDraw

    rng = random.Random(i)
    image = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(image)
    for y in range(40, 560, 28):
        draw.text((40, y), " ".join(f"w{rng.randrange(10**5)}" for _ in range(8)), fill="black")
    draw.text((40, 10), f"page {i}: {answer}", fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_data(folder: Path, n: int) -> list[dict]:
    """``DocVQA_VAL.tsv`` with ``n`` rows; the mock's script: exact, near-miss and wrong replies."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, script = [], []
    for i in range(n):
        answer = f"INV-{10000 + i}"
        question = f"What is the invoice number of document {i}?"
        reply = answer if i % 3 == 0 else (answer[:-1] + "x" if i % 3 == 1 else "unknown")
        rows.append({"index": i, "image": page(i, answer), "question": question, "answer": repr([answer])})
        script.append({"contains": question, "reply": reply})
    with open(folder / "DocVQA_VAL.tsv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return script


def span(server, since: float) -> float:
    reqs = [r for r in server.stats(requests=True)["requests"] if r.get("arrived", 0) >= since]
    if not reqs:
        return float("nan")
    return max(r["arrived"] + r.get("latency_ms", 0) / 1000 for r in reqs) - min(r["arrived"] for r in reqs)


def run_evalscope(root: Path, data: Path, server, nproc: int, k: int) -> tuple[float, float, int]:
    import yaml

    work = root / f"evalscope_{k}"
    cfg = {"data": ["DocVQA_VAL"], "data_dir": str(data), "nproc": nproc, "judge": "exact_matching",
           "model": [{"name": "CustomAPIModel", "type": "mock-vl", "api_base": server.url + "/chat/completions",
                      "key": "EMPTY", "temperature": 0, "max_tokens": 32}]}
    path = root / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    before = server.stats()["total_requests"]
    t0 = time.time()
    done = subprocess.run([str(Path(sys.executable).with_name("evalscope")), "eval", "--eval-backend", "VLMEvalKit",
                           "--eval-config", str(path), "--work-dir", str(work), "--no-timestamp"],
                          capture_output=True, text=True)
    wall = time.time() - t0
    if done.returncode != 0:
        sys.exit(f"evalscope failed:\n{done.stderr[-3000:]}")
    (report,) = work.rglob("reports/*/DocVQA_VAL.json")
    score = json.loads(report.read_text())["metrics"][0]["score"]
    log = (work / "logs" / "vlmevalkit_backend.log").read_text(encoding="utf-8", errors="replace")
    inside = sum(float(m) for m in re.findall(r"VLMEvalKit: (?:import vlmeval|run_task) took ([0-9.]+) s", log))
    return report_line("evalscope", wall, inside, span(server, t0), server.stats()["total_requests"] - before, score)


def report_line(label: str, wall: float, inside: float, request_span: float, requests: int,
                score: float) -> tuple[float, float, float]:
    print(f"  {label:<10} wall {wall:6.2f} s = VLMEvalKit (import + run_task) {inside:6.2f} s + outside "
          f"{wall - inside:5.2f} s; requests {requests}, span {request_span:5.2f} s, ANLS {score:.4f}")
    return wall, wall - inside, request_span


def run_direct(root: Path, data: Path, server, nproc: int, k: int, python: str) -> tuple[float, float, int]:
    lmu = root / f"direct_lmu_{k}"
    lmu.mkdir()
    (lmu / "DocVQA_VAL.tsv").symlink_to(data / "DocVQA_VAL.tsv")
    work = root / f"direct_{k}"
    cfg = {"lmudata": str(lmu), "work_dir": str(work), "nproc": nproc, "api_base": server.url + "/chat/completions"}
    before = server.stats()["total_requests"]
    t0 = time.time()
    done = subprocess.run([python, "-c", DIRECT, json.dumps(cfg)], capture_output=True, text=True, cwd=str(root))
    wall = time.time() - t0
    if done.returncode != 0:
        sys.exit(f"direct VLMEvalKit failed:\n{done.stderr[-3000:]}")
    (acc,) = work.rglob("mock-vl_DocVQA_VAL_acc.csv")
    with open(acc, encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    score = float(row.get("Overall") or next(v for k_, v in row.items() if k_))
    t_import, t_run = (float(x) for x in re.findall(r"TIMES ([0-9.]+) ([0-9.]+)", done.stderr)[-1])
    return report_line("direct", wall, t_import + t_run, span(server, t0), server.stats()["total_requests"] - before,
                       score / 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--nproc", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from evalscope.backend import envs

    if not envs.is_installed("vlmevalkit"):
        sys.exit("no VLMEvalKit environment: run `evalscope backend install vlmevalkit` "
                 "(EVALSCOPE_BACKENDS_DIR to place it)")
    python = str(envs.env_python("vlmevalkit"))
    with tempfile.TemporaryDirectory(prefix="vlmevalkit_bench_") as tmp:
        root = Path(tmp)
        script = write_data(root / "data", args.n)
        env_proxy = {k: os.environ.pop(k) for k in list(os.environ) if k.lower().endswith("_proxy")}
        with run_in_subprocess(latency_ms=args.latency_ms, script=script) as server:
            print(f"{args.n} DocVQA_VAL samples, mock at {args.latency_ms:g} ms, nproc {args.nproc}; "
                  f"ideal request span {args.n * args.latency_ms / 1000 / args.nproc:.2f} s")
            ours, theirs = [], []
            for k in range(args.repeats):
                ours.append(run_evalscope(root, root / "data", server, args.nproc, k))
                theirs.append(run_direct(root, root / "data", server, args.nproc, k, python))
        os.environ.update(env_proxy)
    mean = statistics.mean
    wall_o, wall_d = mean(r[0] for r in ours), mean(r[0] for r in theirs)
    out_o, out_d = mean(r[1] for r in ours), mean(r[1] for r in theirs)
    span_o, span_d = mean(r[2] for r in ours), mean(r[2] for r in theirs)
    print(f"mean wall: evalscope {wall_o:.2f} s, direct {wall_d:.2f} s ({wall_o - wall_d:+.2f} s; on a loaded machine "
          "this is dominated by the noise of `import vlmeval` and its scoring pool)")
    print(f"mean time outside VLMEvalKit's import and run_task: evalscope {out_o:.2f} s, direct {out_d:.2f} s -> "
          f"the project adds {out_o - out_d:+.2f} s in total (goal <= 5 s)")
    print(f"mean request span: evalscope {span_o:.2f} s, direct {span_d:.2f} s "
          f"({(span_o - span_d) / args.n * 1000:+.1f} ms per sample; goal: nothing per sample)")


if __name__ == "__main__":
    main()
