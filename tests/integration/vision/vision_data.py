"""Helpers of the vision integration tests (not a conftest: eval's conftest is imported by that name): generated
images in the hub layouts, the CLI, the records."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

Image = pytest.importorskip("PIL.Image", reason="Pillow (the 'vision' extra) is not installed")
pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")
import pyarrow as pa  # noqa: E402


def make_image(seed: int, size=(64, 48), fmt: str = "PNG", noise: bool = False) -> bytes:
    """A real PNG/JPEG, distinct per seed (a colour and a diagonal), or random noise (incompressible)."""
    rng = random.Random(seed)
    if noise:
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        for i in range(min(size)):
            image.putpixel((i, i), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_parquet_shards(folder: Path, split: str, rows: list[dict], shards: int) -> None:
    """``rows`` as the hub shards them: ``<split>-0000i-of-0000n.parquet``, ``image`` a ``{bytes, path}`` struct."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(rows) // shards)
    for i in range(shards):
        part = rows[i * per:(i + 1) * per]
        table = pa.Table.from_pylist(part)
        pq.write_table(table, folder / f"{split}-{i:05d}-of-{shards:05d}.parquet", row_group_size=100)


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "evalscope", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def only_run_dir(work_dir: Path) -> Path:
    (run_dir,) = [d for d in work_dir.iterdir() if d.is_dir()]
    return run_dir


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_report(run_dir: Path, model: str, benchmark: str) -> dict:
    return json.loads((run_dir / "reports" / model / f"{benchmark}.json").read_text())
