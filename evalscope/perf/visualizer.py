"""Optional logging of run summaries to wandb or swanlab (imported only when asked for)."""

from __future__ import annotations

import logging
import os

from evalscope.errors import UsageError

logger = logging.getLogger(__name__)


def log_run(args, parallel: int, number: int, summary) -> None:
    name = args.visualizer
    try:
        module = __import__(name)
    except ImportError:
        raise UsageError(f"--visualizer {name} needs the {name!r} package: pip install {name}") from None
    key = args.wandb_api_key if name == "wandb" else args.swanlab_api_key
    if key is not None:
        os.environ["WANDB_API_KEY" if name == "wandb" else "SWANLAB_API_KEY"] = key.get_secret_value()
    run_name = f"{args.name or args.model or 'perf'}_parallel_{parallel}_number_{number}"
    flat = {k: v for k, v in summary.to_json().items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    run = module.init(project="perf_benchmark", name=run_name, config=args.masked_dump())
    module.log(flat)
    finish = getattr(run, "finish", None) or getattr(module, "finish", None)
    if finish is not None:
        finish()
