"""llm_ckpt throughput: 16 concurrent requests gathered into batched generate calls vs 16 calls one by one.

Needs torch, transformers and adapters/transformers in the running python (not the core venv), e.g.
    python bench/transformers_batch.py [CHECKPOINT] [--max-tokens 32] [--repeat 3]
Without CHECKPOINT the testkit's tiny Llama is built in a temporary folder. Prints seconds and tokens/s
of both ways (best of --repeat) and whether the answers agree.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evalscope.api import ChatMessage
from evalscope.config import GenerationConfig, TaskConfig
from evalscope.models.factory import build_model

TESTKIT = Path(__file__).resolve().parents[2] / "shared" / "testkit"
PROMPTS = [f"Question {i}: how many apples are left if you had {i * 7} and gave away {i}?" for i in range(16)]


async def one_by_one(model, config):
    return [await model.generate([ChatMessage(role="user", content=p)], config) for p in PROMPTS]


async def together(model, config):
    return await asyncio.gather(*(model.generate([ChatMessage(role="user", content=p)], config) for p in PROMPTS))


def best(fn, model, config, repeat):
    times, outs = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        outs = asyncio.run(fn(model, config))
        times.append(time.perf_counter() - started)
    return min(times), outs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", nargs="?")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    path = a.checkpoint
    if path is None:
        path = str(Path(tempfile.mkdtemp()) / "tiny-llm")
        subprocess.run([sys.executable, str(TESTKIT / "make_tiny_llm.py"), path], check=True, capture_output=True)
    model = build_model(TaskConfig(model=path, eval_type="llm_ckpt", model_args={"batch_size": 16}))
    config = GenerationConfig(temperature=0, max_tokens=a.max_tokens)
    asyncio.run(together(model, config))  # warm-up
    t1, singles = best(one_by_one, model, config, a.repeat)
    t16, batched = best(together, model, config, a.repeat)
    tokens = sum(o.usage.completion_tokens for o in batched)
    print(f"checkpoint {path}, 16 prompts, max_tokens {a.max_tokens}, best of {a.repeat}")
    print(f"16 single calls : {t1:7.3f} s  {tokens / t1:8.1f} tokens/s")
    print(f"1 batch of 16   : {t16:7.3f} s  {tokens / t16:8.1f} tokens/s  ({t1 / t16:.1f}x)")
    print(f"batch sizes of the last run: {model.batcher.batch_sizes[-3:]}")
    print(f"answers agree: {[o.content for o in singles] == [o.content for o in batched]}")


if __name__ == "__main__":
    main()
