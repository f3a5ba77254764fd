"""The ``evalscope.plugins`` entry point: registers model type ``llm_ckpt``.

Importing this module is cheap (no torch): the model is loaded when a task builds it. ``args_model``
lets the core check ``model_args`` before a run directory exists.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import register
from evalscope_transformers.args import CheckpointArgs, parse_args

if TYPE_CHECKING:
    from evalscope.config import TaskConfig

logger = logging.getLogger(__name__)


@register("model", "llm_ckpt")
def build_model(task: "TaskConfig") -> Any:
    """The ``TransformersModel`` of ``task.model`` (a checkpoint folder or a hub id)."""
    if not isinstance(task.model, str) or not task.model:
        raise ConfigError("model: llm_ckpt needs --model, a checkpoint folder (or a hub id)")
    args = parse_args(task.model_args)
    from evalscope_transformers.model import TransformersModel, describe

    model = TransformersModel(task.model_id or task.model, task.model, args)
    logger.info("%s", describe(model))
    return model


build_model.args_model = CheckpointArgs  # type: ignore[attr-defined]
