"""``model_args`` of model type ``vllm`` and the ``vllm serve`` command line they make (pure)."""

from __future__ import annotations

import json
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

HOST = "127.0.0.1"


class VllmArgs(BaseModel):
    """How the vLLM server is started (``--model-args``); every key is a ``vllm serve`` flag unless said."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    tensor_parallel_size: Optional[int] = Field(default=None, ge=1)
    """``--tensor-parallel-size``: GPUs the model is split over."""
    max_model_len: Optional[int] = Field(default=None, ge=1)
    """``--max-model-len``: context length (prompt + answer)."""
    gpu_memory_utilization: Optional[float] = Field(default=None, gt=0, le=1)
    """``--gpu-memory-utilization``: share of each GPU's memory vLLM may take."""
    limit_mm_per_prompt: Optional[dict[str, int]] = None
    """``--limit-mm-per-prompt`` (JSON): most images/videos/audios per prompt, e.g. ``{"image": 2}``."""
    dtype: Optional[str] = None
    """``--dtype`` (``auto``, ``float16``, ``bfloat16``, ...)."""
    trust_remote_code: bool = False
    """``--trust-remote-code``."""
    revision: Optional[str] = None
    """``--revision`` of a hub model."""
    served_model_name: Optional[str] = None
    """``--served-model-name`` (default: the task's ``model_id``)."""
    extra_args: list[str] = Field(default_factory=list)
    """More ``vllm serve`` arguments, passed as they are (e.g. ``["--enforce-eager"]``)."""
    vllm_executable: Optional[str] = None
    """Not a flag: the ``vllm`` program to run (default: ``vllm`` on ``PATH``)."""
    startup_timeout: float = Field(default=900.0, gt=0)
    """Not a flag: seconds to wait for ``/health`` and ``/v1/models`` before giving up."""
    stop_timeout: float = Field(default=30.0, gt=0)
    """Not a flag: seconds between SIGTERM and SIGKILL of the server's process group."""


def serve_command(executable: str, model: str, port: int, served_name: str, args: VllmArgs) -> list[str]:
    """``vllm serve MODEL --host 127.0.0.1 --port P --served-model-name NAME [flags] [extra_args]``."""
    cmd = [executable, "serve", model, "--host", HOST, "--port", str(port), "--served-model-name", served_name]
    flags: dict[str, Any] = {
        "--tensor-parallel-size": args.tensor_parallel_size,
        "--max-model-len": args.max_model_len,
        "--gpu-memory-utilization": args.gpu_memory_utilization,
        "--limit-mm-per-prompt": json.dumps(args.limit_mm_per_prompt) if args.limit_mm_per_prompt else None,
        "--dtype": args.dtype,
        "--revision": args.revision,
    }
    for flag, value in flags.items():
        if value is not None:
            cmd += [flag, str(value)]
    if args.trust_remote_code:
        cmd.append("--trust-remote-code")
    return cmd + list(args.extra_args)


CAUSES = (
    (("No CUDA GPUs are available", "Failed to infer device type", "libcuda.so", "NVIDIA driver",
      "no CUDA-capable device", "CUDA driver initialization failed"), "no GPU is usable here"),
    (("CUDA out of memory", "OutOfMemoryError", "No available memory for the cache blocks",
      "larger than the available KV cache memory", "Not enough memory"), "out of GPU memory (lower "
     "gpu_memory_utilization or max_model_len, or raise tensor_parallel_size)"),
    (("is not a local folder and is not a valid model identifier", "Repository Not Found", "404 Client Error",
      "does not appear to have a file named config.json", "Invalid repository ID", "No such file or directory: "
      "'config.json'", "We couldn't connect to"), "the model was not found (a local folder, or a hub id with the "
     "hub reachable)"),
    (("Address already in use",), "the port was taken"),
    (("unrecognized arguments", "error: argument", "invalid choice"), "vllm refused an argument (model_args / "
     "extra_args)"),
)


def likely_cause(log: str) -> Optional[str]:
    """What the server's log says went wrong, in a few words, or None when nothing is recognised."""
    for needles, cause in CAUSES:
        if any(n in log for n in needles):
            return cause
    return None
