"""The model of a task as every external backend receives it: one typed spec, built here.

``model_spec(task)`` reads the unified flags (``--model``, ``--model-id``, ``--api-url``,
``--api-key``, ``--model-args``, ``--generation-config``) once; each harness plugin translates the
spec into its native config (RAGEval: an API or a sentence-transformers model entry). The key
stays a ``SecretStr``: a plugin reveals it only into the in-memory native config, which the core
writes masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from evalscope.config.generation import GenerationConfig
from evalscope.errors import ConfigError

if TYPE_CHECKING:
    from evalscope.config import TaskConfig

ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/embeddings")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=(), frozen=True)


class APIModelSpec(_Spec):
    """A model behind an OpenAI-compatible API."""

    kind: Literal["api"] = "api"
    """Discriminator."""
    name: str
    """Name in reports (``--model-id``, else derived from ``--model``)."""
    model: str
    """Model id sent to the server (``--model``)."""
    api_url: str
    """``--api-url`` as given (a base URL or a full endpoint URL)."""
    base_url: str
    """The API base: ``api_url`` without a trailing ``/chat/completions``, ``/completions`` or ``/embeddings``."""
    api_key: Optional[SecretStr] = None
    """``--api-key`` (never written to files or logs)."""
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    """``--generation-config``: sampling fields, timeout, retries, extra headers and body."""


class LocalModelSpec(_Spec):
    """A model loaded by the harness (or an engine adapter) from a path or hub id."""

    kind: Literal["local"] = "local"
    """Discriminator."""
    name: str
    """Name in reports (``--model-id``, else the path's last part)."""
    path: str
    """``--model``: a checkpoint directory or a hub id."""
    engine: str
    """The model type (``eval_type``): ``llm_ckpt`` (transformers), ``vllm``, or a plugin's type."""
    engine_args: dict[str, Any] = Field(default_factory=dict)
    """``--model-args``: arguments of the engine or model constructor."""
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    """``--generation-config``."""


ModelSpec = Annotated[Union[APIModelSpec, LocalModelSpec], Field(discriminator="kind")]


def base_url(api_url: str) -> str:
    """``api_url`` without a trailing endpoint path (``.../v1/chat/completions`` -> ``.../v1``)."""
    url = api_url.rstrip("/")
    path, sep, query = url.partition("?")
    for suffix in ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return path + (sep + query if sep else "")


def model_spec(task: "TaskConfig") -> Optional[Union[APIModelSpec, LocalModelSpec]]:
    """The task's model as a typed spec; ``None`` when the flags name no model (the backend's own
    config then must); a ``ConfigError`` for a model an external harness cannot be handed."""
    backend = task.eval_backend
    if task.eval_type == "openai_api" or task.api_url:
        if not task.api_url:
            raise ConfigError(f"eval_backend {backend}: eval_type openai_api needs --api-url")
        if not isinstance(task.model, str) or not task.model.strip():
            raise ConfigError(f"eval_backend {backend}: --api-url needs --model, the model id the server serves")
        return APIModelSpec(name=task.model_id or task.model, model=task.model, api_url=task.api_url,
                            base_url=base_url(task.api_url), api_key=task.api_key,
                            generation=task.generation_config)
    if task.model is None or task.model == "mock" or task.eval_type == "mock_llm":
        return None
    if not isinstance(task.model, str) or task.eval_type == "custom":
        raise ConfigError(
            f"eval_backend {backend}: a custom model ({task.model!r}) cannot be handed to an external harness; "
            "give --model with --api-url (a served model) or a local model path"
        )
    return LocalModelSpec(name=task.model_id or task.model, path=task.model, engine=task.eval_type or "llm_ckpt",
                          engine_args=dict(task.model_args), generation=task.generation_config)
