"""Images through the Native engine: a DocVQA-format run of 2,000 samples with 1000x1400 PNG pages.

Generates the data once (lmms-lab layout: ``DocVQA/validation-0000i-of-00004.parquet``, ``image`` a
``{bytes, path}`` struct; every page distinct, document-like: text lines drawn on white), then runs
``evalscope eval --datasets docvqa --eval-batch-size 64`` (a subprocess, as a user runs it) against the mock
server at 0 ms and at 200 ms per request. Prints, per latency: the wall time of the whole command, when the
first request arrived (from the command's start: loading), the time from the first request to the last answer (from the mock's request log), the ideal ``n * latency / batch``,
and the command's peak RSS. Goal: within 1.2x of ideal at 200 ms, RSS under 500 MB.

    .venv/bin/python bench/vision_docvqa.py [--n 2000] [--batch 64] [--data /tmp/vision_bench]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.perf.mock_server import run_in_subprocess

# Runs the CLI; at exit: peak RSS (VmHWM: ru_maxrss would count the bench's own memory, inherited through
# fork + exec), CPU seconds, and RSS sampled every 50 ms (time, kB) to split loading from asking.
RSS_WRAPPER = (
    "import atexit, json, resource, sys, threading, time\n"
    "def status(key):\n"
    "    with open('/proc/self/status') as f:\n"
    "        return next(int(l.split()[1]) for l in f if l.startswith(key))\n"
    "samples = []\n"
    "def sample():\n"
    "    while True:\n"
    "        samples.append((time.time(), status('VmRSS')))\n"
    "        time.sleep(0.05)\n"
    "threading.Thread(target=sample, daemon=True).start()\n"
    "def report():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    sys.stderr.write(f'MAXRSS_KB {status(\"VmHWM\")}\\nCPU_S {u.ru_utime + u.ru_stime} {u.ru_stime}\\n'\n"
    "                     f'RSS_SAMPLES {json.dumps(samples)}\\n')\n"
    "atexit.register(report)\n"
    "from evalscope.cli.main import main\n"
    "sys.argv = ['evalscope', *sys.argv[1:]]\n"
    "sys.exit(main())\n"
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def page(seed: int, size=(1000, 1400), photo: bool = False) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    y = 60
    while y < size[1] - 60:
        x = 60
        while x < size[0] - 120:
            w = rng.randrange(20, 110)
            draw.rectangle((x, y, x + w, y + 14), fill=rng.randrange(0, 80))
            x += w + rng.randrange(8, 20)
        y += rng.randrange(24, 40)
    draw.text((60, 20), f"page {seed}", fill=0)
    image = image.convert("RGB")
    if photo:  # an incompressible "photo" band: pages of ~0.5 MB, closer to real scans
        image.paste(Image.frombytes("RGB", (size[0], 160), rng.randbytes(size[0] * 160 * 3)), (0, size[1] // 2))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def generate(root: Path, n: int, shards: int = 4, photo: bool = False) -> float:
    """Writes the parquet shards (once); returns the mean PNG size in bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / "DocVQA"
    marker = folder / f".done-{n}"
    if marker.exists():
        return float(marker.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    per, total = -(-n // shards), 0
    for s in range(shards):
        rows = []
        for i in range(s * per, min(n, (s + 1) * per)):
            data = page(i, photo=photo)
            total += len(data)
            rows.append({"questionId": i, "question": f"What is written on page {i}?", "question_types": ["form"],
                         "image": {"bytes": data, "path": f"page_{i}.png"}, "docId": i, "answers": [f"page {i}"]})
        pq.write_table(pa.Table.from_pylist(rows), folder / f"validation-{s:05d}-of-{shards:05d}.parquet",
                       row_group_size=100)
    marker.write_text(str(total / n))
    return total / n


def sent_sizes(data: Path) -> list[int]:
    """The byte size of every image in the data, sorted (what the mock's log must show arriving)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sizes: list[int] = []
    for path in sorted((data / "DocVQA").glob("*.parquet")):
        column = pq.read_table(path, columns=["image"]).column("image")
        sizes += pc.binary_length(pc.struct_field(column, "bytes")).to_pylist()
    return sorted(sizes)


def run(data: Path, latency_ms: float, batch: int, hash_images: bool) -> dict:
    cheap = {} if hash_images else {"image_hashes": False}  # the mock's default is to hash
    with run_in_subprocess(latency_ms=latency_ms, default_reply="ANSWER: page", keep_requests=100_000,
                           **cheap) as server, tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, "-c", RSS_WRAPPER, "eval", "--model", "mock-vl", "--api-url", server.url,
               "--datasets", "docvqa", "--dataset-args", json.dumps({"docvqa": {"local_path": str(data)}}),
               "--eval-batch-size", str(batch), "--work-dir", work]
        load, server_cpu, t0 = os.getloadavg()[0], cpu_seconds(server.proc.pid), time.perf_counter()
        started = time.time()
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wall = time.perf_counter() - t0
        server_cpu = cpu_seconds(server.proc.pid) - server_cpu
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        log = server.stats(requests=True)["requests"]
    lines = dict(line.split(" ", 1) for line in done.stderr.splitlines() if line.startswith(("MAXRSS_KB", "CPU_S",
                                                                                            "RSS_SAMPLES")))
    arrived = sorted(r["arrived"] for r in log)
    rss = json.loads(lines["RSS_SAMPLES"])
    images = [i for r in log for i in r.get("images", ())]
    intact = (all(len(r.get("images", ())) == 1 for r in log) and sorted(i["bytes"] for i in images) == sent_sizes(data)
              and all((i["width"], i["height"]) == (1000, 1400) for i in images))
    return {"wall": wall, "requests": len(log), "first": arrived[0] - started, "span": arrived[-1] - arrived[0] + latency_ms / 1000,
            "rss_mb": int(lines["MAXRSS_KB"]) / 1024, "intact": intact, "load": load,
            "rss_loading_mb": max((kb for t, kb in rss if t < arrived[0]), default=0) / 1024,
            "rss_asking_mb": max((kb for t, kb in rss if t >= arrived[0]), default=0) / 1024,
            "client_cpu": float(lines["CPU_S"].split()[0]), "client_sys": float(lines["CPU_S"].split()[1]),
            "server_cpu": server_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "evalscope_vision_bench")
    parser.add_argument("--latencies", default="0,200")
    parser.add_argument("--photo", action="store_true", help="pages with an incompressible band (~0.5 MB each)")
    parser.add_argument("--hash-images", action="store_true",
                        help="the mock decodes and hashes every image (its default; off here, it costs the mock "
                             "~3 ms of CPU per 0.5 MB image on the machine the client runs on)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    args.data = args.data / f"{args.n}{'-photo' if args.photo else ''}"
    mean_bytes = generate(args.data, args.n, photo=args.photo)
    print(f"data: {args.n} samples, 1000x1400 PNG pages, mean {mean_bytes / 1e3:.0f} kB "
          f"(generated or reused in {time.perf_counter() - t0:.0f} s)")
    for latency in (float(x) for x in args.latencies.split(",")):
        r = run(args.data, latency, args.batch, args.hash_images)
        ideal = args.n * latency / 1000 / args.batch
        ratio = f"{r['span'] / ideal:.3f}x ideal" if ideal else "-"
        print(f"latency {latency:.0f} ms (load average {r['load']:.1f}): wall {r['wall']:.2f} s (first request "
              f"{r['first']:.2f} s after the command started), requests "
              f"{r['requests']}, first request to last answer {r['span']:.2f} s (ideal {ideal:.2f} s, {ratio}), "
              f"peak RSS {r['rss_mb']:.0f} MB (loading {r['rss_loading_mb']:.0f}, asking {r['rss_asking_mb']:.0f}), "
              f"CPU: client {r['client_cpu']:.1f} s ({r['client_sys']:.1f} s in the kernel), mock {r['server_cpu']:.1f} s; one image per request, each of "
              f"its size and 1000x1400: {r['intact']}")


if __name__ == "__main__":
    main()
