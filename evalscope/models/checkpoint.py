"""``llm_ckpt``: local checkpoints run through the transformers adapter distribution.

The adapter (``adapters/transformers``, with torch) is not part of the light core; without it
the error says how to install it or how to serve the checkpoint behind an OpenAI-compatible API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.config import TaskConfig

ADAPTER_MODULE = "evalscope_transformers"


@register("model", "llm_ckpt")
def _checkpoint_factory(task: "TaskConfig") -> Any:
    try:
        adapter = importlib.import_module(ADAPTER_MODULE)
    except ImportError:
        raise ConfigError(
            f"eval_type 'llm_ckpt' (local checkpoint {task.model!r}) needs the transformers adapter "
            f"({ADAPTER_MODULE}), which is not installed. Serve the checkpoint with an OpenAI-compatible server "
            f"(`vllm serve {task.model}` or `transformers serve`) and pass --api-url instead."
        ) from None
    return adapter.build_model(task)
