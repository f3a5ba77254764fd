"""Real vLLM on a GPU: ``evalscope eval --eval-type vllm`` on a small model (skipped without a GPU).

The model is ``$EVALSCOPE_VLLM_TEST_MODEL`` (a local folder or a hub id reachable from the machine), else
the testkit's tiny Llama built with the python that runs ``vllm`` (it has torch and transformers).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vllmkit import ADAPTER, REPO  # noqa: E402

pytestmark = pytest.mark.gpu
CLI = "import sys, evalscope_vllm.plugin; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"


def _gpu() -> bool:
    smi = shutil.which("nvidia-smi")
    return bool(smi) and subprocess.run([smi, "-L"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def vllm_model(tmp_path_factory) -> str:
    if not _gpu():
        pytest.skip("no GPU here (nvidia-smi -L fails or is absent)")
    exe = shutil.which("vllm")
    if exe is None:
        pytest.skip("vllm is not on PATH (pip install ./adapters/vllm on the GPU machine)")
    if os.environ.get("EVALSCOPE_VLLM_TEST_MODEL"):
        return os.environ["EVALSCOPE_VLLM_TEST_MODEL"]
    first = Path(exe).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    out = tmp_path_factory.mktemp("vllm") / "tiny-llm"
    script = REPO.parent / "shared" / "testkit" / "make_tiny_llm.py"
    if not script.exists():
        script = Path("/work/shared/testkit/make_tiny_llm.py")
    subprocess.run([python, str(script), str(out)], check=True, capture_output=True, timeout=300)
    return str(out)


@pytest.mark.timeout(1800)
def test_real_vllm_serves_an_eval(vllm_model, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(ADAPTER)])}
    done = subprocess.run([sys.executable, "-c", CLI, "eval", "--model", vllm_model, "--eval-type", "vllm",
                           "--datasets", "demo_arith", "--limit", "4", "--work-dir", str(tmp_path), "--no-timestamp",
                           "--model-args", '{"max_model_len": 1024, "gpu_memory_utilization": 0.3, '
                           '"extra_args": ["--enforce-eager"]}',
                           "--generation-config", '{"temperature": 0, "max_tokens": 8}'],
                          capture_output=True, text=True, timeout=1800, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    name = Path(vllm_model).name if Path(vllm_model).exists() else vllm_model.split("/")[-1]
    rows = [json.loads(x) for x in (tmp_path / "predictions" / name / "demo_arith_default.jsonl").read_text()
            .splitlines()]
    assert len(rows) == 4 and all(r["output"] and r["output"]["usage"]["completion_tokens"] > 0 for r in rows)
    assert (tmp_path / "logs" / "vllm.log").stat().st_size > 0
