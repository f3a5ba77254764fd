"""The managed vLLM server on a GPU machine: start-up time, and a DocVQA-format run through it.

    python bench/vllm_serve.py MODEL [--n 200] [--batch 32] [--model-args JSON] [--data /tmp/vision_bench]

MODEL is a vision-language model vLLM serves (e.g. Qwen/Qwen2.5-VL-3B-Instruct, or a local folder). Needs
the `vllm` executable on PATH (pip install ./adapters/vllm) and a GPU; the data are the synthetic DocVQA
pages of bench/vision_docvqa.py (generated once). Prints: seconds from `vllm serve` to ready (/health and
/v1/models), seconds to stop the group, then the wall time and samples/s of
`evalscope eval --eval-type vllm --datasets docvqa` (start-up included) and its scores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "adapters" / "vllm"))
sys.path.insert(0, str(HERE))

CLI = "import sys, evalscope_vllm.plugin; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"


def startup(model: str, model_args: dict) -> tuple[float, float]:
    from evalscope_vllm.args import VllmArgs
    from evalscope_vllm.server import VllmServer

    log = Path(tempfile.mkdtemp()) / "vllm.log"
    server = VllmServer(model, model.rstrip("/").split("/")[-1], VllmArgs(**model_args), log)
    started = time.perf_counter()
    server.start()
    ready = time.perf_counter() - started
    started = time.perf_counter()
    server.stop()
    return ready, time.perf_counter() - started


def docvqa_run(model: str, model_args: dict, data: Path, n: int, batch: int) -> dict:
    work = Path(tempfile.mkdtemp())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "adapters" / "vllm")])}
    cmd = [sys.executable, "-c", CLI, "eval", "--model", model, "--eval-type", "vllm", "--datasets", "docvqa",
           "--dataset-args", json.dumps({"docvqa": {"local_path": str(data)}}), "--limit", str(n),
           "--eval-batch-size", str(batch), "--model-args", json.dumps(model_args), "--work-dir", str(work),
           "--no-timestamp", "--generation-config", '{"temperature": 0, "max_tokens": 32}']
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"evalscope eval failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = next((work / "reports").rglob("docvqa.json"))
    metrics = json.loads(report.read_text())["metrics"]
    return {"wall_s": wall, "samples_per_s": n / wall, "report": {m["name"]: m["score"] for m in metrics}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--model-args", default='{"max_model_len": 8192, "limit_mm_per_prompt": {"image": 1}}')
    ap.add_argument("--data", default="/tmp/vision_bench")
    a = ap.parse_args()
    model_args = json.loads(a.model_args)
    ready, stop = startup(a.model, model_args)
    print(f"vllm serve {a.model}: ready in {ready:.1f} s, stopped in {stop:.1f} s")
    data = Path(a.data)
    if not (data / "DocVQA").exists():
        from vision_docvqa import generate

        generate(data, a.n)
    result = docvqa_run(a.model, model_args, data, a.n, a.batch)
    print(f"docvqa x{a.n} at --eval-batch-size {a.batch}: {result['wall_s']:.1f} s wall (start-up included), "
          f"{result['samples_per_s']:.2f} samples/s, score {result['report']}")


if __name__ == "__main__":
    main()
