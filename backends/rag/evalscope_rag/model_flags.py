"""The unified model flags (``--model/--api-url/--api-key/--generation-config``) in RAGEval's config.

The core hands every external backend the task's model as a typed spec
(``evalscope.backend.model_spec``); this module translates it into ``eval_config.models``.
Precedence: what ``eval_config`` says explicitly wins.

- ``eval_config`` without ``models`` (or ``model``): the flags' model is the only model. With
  ``--api-url``: an API embedding model (``--model`` the model id, ``--api-key``, and from
  ``--generation-config`` its ``timeout``, ``retries`` and ``extra_headers``); without: a local
  sentence-transformers model at ``--model`` with ``--model-args`` as its ``model_kwargs``.
- ``eval_config`` with ``models``: those are the models; the flags add none. An API entry with no
  ``api_key`` of its own whose ``api_base`` is ``--api-url`` takes ``--api-key`` (the key is never
  sent to another server than the one it was given for).
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Union

from evalscope.backend.model_spec import APIModelSpec, LocalModelSpec, base_url
from evalscope.errors import ConfigError

logger = logging.getLogger(__name__)

Spec = Optional[Union[APIModelSpec, LocalModelSpec]]


def model_entry(spec: Union[APIModelSpec, LocalModelSpec]) -> dict[str, Any]:
    """One ``eval_config.models`` entry from the spec (the key revealed: in memory only)."""
    if isinstance(spec, LocalModelSpec):
        return {"kind": "local", "name": spec.name, "model_name_or_path": spec.path,
                "model_kwargs": dict(spec.engine_args)}
    entry: dict[str, Any] = {"kind": "api", "name": spec.name, "model_name": spec.model, "api_base": spec.base_url,
                             "retries": spec.generation.retries}
    if spec.api_key is not None:
        entry["api_key"] = spec.api_key.get_secret_value()
    if spec.generation.timeout is not None:
        entry["timeout"] = spec.generation.timeout
    if spec.generation.extra_headers:
        entry["headers"] = dict(spec.generation.extra_headers)
    return entry


def _same_server(api_base: Any, spec: APIModelSpec) -> bool:
    return isinstance(api_base, str) and base_url(api_base) == spec.base_url


def apply_model_spec(eval_config: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """``eval_config`` with the flags' model applied by the precedence rule above (a copy)."""
    data = dict(eval_config)
    given = data.get("models", data.get("model"))
    if given is None:
        if spec is None:
            raise ConfigError("RAGEval needs a model: eval_config.models, or --model with --api-url "
                              "(an embeddings API) or --model PATH (a local sentence-transformers model)")
        data.pop("model", None)
        data["models"] = [model_entry(spec)]
        return data
    if spec is None:
        return data
    if isinstance(spec, APIModelSpec) and spec.api_key is not None:
        key = "models" if "models" in data else "model"
        entries = given if isinstance(given, list) else [given]
        filled = [dict(m, api_key=spec.api_key.get_secret_value())
                  if isinstance(m, dict) and m.get("api_key") is None and _same_server(m.get("api_base"), spec) else m
                  for m in entries]
        data[key] = filled if isinstance(given, list) else filled[0]
    logger.info("RAGEval: eval_config.models is given; --model %s adds no model (eval_config wins)", spec.name)
    return data
