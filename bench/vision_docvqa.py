"""Images through the Native engine: a DocVQA-format run of 2,000 samples with 1000x1400 PNG pages.

Generates the data once (lmms-lab layout: ``DocVQA/validation-0000i-of-00004.parquet``, ``image`` a
``{bytes, path}`` struct; every page distinct, document-like: text lines drawn on white), then runs
``evalscope eval --datasets docvqa --eval-batch-size 64`` (a subprocess, as a user runs it) against the mock
server at 0 ms and at 200 ms per request. Prints, per latency: the wall time of the whole command, the time
from the first request to the last answer (from the mock's request log), the ideal ``n * latency / batch``,
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

RSS_WRAPPER = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "f'MAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
    "from evalscope.cli.main import main\n"
    "sys.argv = ['evalscope', *sys.argv[1:]]\n"
    "sys.exit(main())\n"
)


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


def run(data: Path, latency_ms: float, batch: int) -> dict:
    with run_in_subprocess(latency_ms=latency_ms, default_reply="ANSWER: page",
                           keep_requests=100_000) as server, tempfile.TemporaryDirectory() as work:
        cmd = [sys.executable, "-c", RSS_WRAPPER, "eval", "--model", "mock-vl", "--api-url", server.url,
               "--datasets", "docvqa", "--dataset-args", json.dumps({"docvqa": {"local_path": str(data)}}),
               "--eval-batch-size", str(batch), "--work-dir", work]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        log = server.stats(requests=True)["requests"]
    rss = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("MAXRSS_KB"))
    arrived = sorted(r["arrived"] for r in log)
    intact = all(len(r.get("images", ())) == 1 for r in log)
    return {"wall": wall, "requests": len(log), "span": arrived[-1] - arrived[0] + latency_ms / 1000,
            "rss_mb": rss / 1024, "intact": intact}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "evalscope_vision_bench")
    parser.add_argument("--latencies", default="0,200")
    parser.add_argument("--photo", action="store_true", help="pages with an incompressible band (~0.5 MB each)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    args.data = args.data / f"{args.n}{'-photo' if args.photo else ''}"
    mean_bytes = generate(args.data, args.n, photo=args.photo)
    print(f"data: {args.n} samples, 1000x1400 PNG pages, mean {mean_bytes / 1e3:.0f} kB "
          f"(generated or reused in {time.perf_counter() - t0:.0f} s)")
    for latency in (float(x) for x in args.latencies.split(",")):
        r = run(args.data, latency, args.batch)
        ideal = args.n * latency / 1000 / args.batch
        ratio = f"{r['span'] / ideal:.3f}x ideal" if ideal else "-"
        print(f"latency {latency:.0f} ms: wall {r['wall']:.2f} s, requests {r['requests']}, first request to last "
              f"answer {r['span']:.2f} s (ideal {ideal:.2f} s, {ratio}), peak RSS {r['rss_mb']:.0f} MB, "
              f"one image per request: {r['intact']}")


if __name__ == "__main__":
    main()
