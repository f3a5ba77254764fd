"""The unified task schema: ``TaskConfig`` and its parts (EvalScope-compatible names).

Every model forbids unknown keys; ``evalscope.config.load_task`` turns validation errors into
one ``ConfigError`` whose message names the nearest valid key.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ByteSize, ConfigDict, Field, SecretStr, field_validator, model_validator

from evalscope.config.generation import GenerationConfig, parse_kv_or_json

logger = logging.getLogger(__name__)

EvalType = str
"""A model type: any ``model:<name>`` of the registry (checked where the model is built, with
"did you mean"); the built-ins are openai_api, llm_ckpt, mock_llm and custom."""
LEGACY_EVAL_TYPES = {"service": "openai_api", "server": "openai_api", "checkpoint": "llm_ckpt"}
HubType = Literal["modelscope", "huggingface", "local"]


class DatasetArgs(BaseModel):
    """Per-benchmark settings (``dataset_args[<benchmark>]``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    local_path: Optional[str] = None
    """A local file or directory holding the benchmark's data (skips the hub)."""
    dataset_id: Optional[str] = None
    """Hub dataset id, or a local path (EvalScope accepts both here)."""
    subset_list: Optional[list[str]] = None
    """Subsets to evaluate (default: all of the benchmark's subsets)."""
    few_shot_num: Optional[int] = Field(default=None, ge=0)
    """Number of few-shot examples drawn from the train split."""
    few_shot_random: Optional[bool] = None
    """Draw few-shot examples at random (seeded) instead of the first ones."""
    prompt_template: Optional[str] = None
    """Prompt template with ``{query}`` (and for multiple choice ``{choices}``/``{letters}``)."""
    system_prompt: Optional[str] = None
    """System message sent before the prompt."""
    metric_list: Optional[list[str]] = None
    """Metrics to compute (default: the benchmark's own)."""
    aggregation: Optional[Union[str, list[str]]] = None
    """How repeats are reduced: ``mean`` (default), EvalScope's ``mean_and_pass_at_k`` / ``mean_and_vote_at_k`` /
    ``mean_and_pass_hat_k``, or a list of ``mean``, ``pass@k``, ``maj@k``, ``pass^k`` (set ``repeats`` to k)."""
    filters: Optional[dict[str, Any]] = None
    """Output filters applied in order before scoring, e.g. ``{"remove_until": "</think>"}``."""
    eval_split: Optional[str] = None
    """Split to evaluate on."""
    train_split: Optional[str] = None
    """Split few-shot examples come from."""
    max_image_bytes: Optional[ByteSize] = Field(default=None, gt=0)
    """Largest image sent, in bytes (``500000``, ``"5MB"`` = 5,000,000, ``"5MiB"``): bigger ones are re-encoded as
    JPEG and scaled down, per request (needs ``pip install 'evalscope[vision]'``)."""
    image_max_pixels: Optional[int] = Field(default=None, gt=0)
    """Largest image sent, in pixels (width x height): bigger ones are scaled down, aspect kept."""

    def identity(self) -> dict[str, Any]:
        """The settings that change the prompts (a resumed run must share them).

        Where the data lives may change between runs (a moved folder): what it holds is checked per
        sample by the hash of each prompt. Scoring settings may change: reviews are redone then.
        """
        keys = ("few_shot_num", "few_shot_random", "prompt_template", "system_prompt", "eval_split",
                "train_split", "max_image_bytes", "image_max_pixels")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class TaskConfig(BaseModel):
    """One evaluation task: which model, which benchmarks, how."""

    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, protected_namespaces=(), arbitrary_types_allowed=True
    )

    # -- model
    model: Optional[Any] = None
    """The model: a served model name (openai_api), a checkpoint path (llm_ckpt), ``module:Class``
    (custom), or a ModelAPI object (Python API)."""
    model_id: Optional[str] = None
    """Name used in outputs and reports (default: derived from ``model``)."""
    model_args: dict[str, Any] = Field(default_factory=dict)
    """Extra arguments for the model adapter."""
    api_url: Optional[str] = None
    """OpenAI-compatible endpoint: a base URL (``http://host/v1``) or a full chat/completions URL."""
    api_key: Optional[SecretStr] = None
    """API key (never written to outputs or logs)."""
    eval_type: Optional[EvalType] = None
    """How the model is reached: a model type of the registry (``evalscope list models``, plugins add
    more); inferred: an ``api_url`` means ``openai_api``."""
    generation_config: GenerationConfig = Field(default_factory=GenerationConfig)
    """Generation settings (JSON or ``k=v,k=v``)."""

    # -- benchmarks
    datasets: list[str] = Field(default_factory=list)
    """Benchmarks to evaluate."""
    dataset_args: dict[str, DatasetArgs] = Field(default_factory=dict)
    """Per-benchmark settings, keyed by benchmark name."""
    dataset_dir: Optional[str] = None
    """A local mirror of datasets: ``<dataset_dir>/<benchmark>/`` (or the hub id's last part)."""
    dataset_hub: HubType = "modelscope"
    """Where datasets come from when no local path is given."""
    limit: Optional[Union[int, float]] = None
    """Samples per subset: an int count, or a fraction (0, 1) of each subset."""
    repeats: int = Field(default=1, ge=1)
    """Times each sample is asked (for k-metrics and variance)."""

    # -- backend
    eval_backend: str = "Native"
    """Evaluation backend: Native, RAGEval, VLMEvalKit, OpenCompass, ..."""
    eval_config: Optional[Union[dict[str, Any], str]] = None
    """Backend-specific config (a dict, or a YAML/JSON file path) for non-Native backends."""

    # -- run
    eval_batch_size: int = Field(default=1, ge=1)
    """Requests in flight at once (across all subsets of a benchmark)."""
    use_cache: Optional[str] = None
    """A previous run directory to resume: cached predictions are never asked again."""
    rerun_review: bool = False
    """With ``use_cache``: keep the predictions and score them again."""
    work_dir: str = "./outputs"
    """Root of run directories."""
    no_timestamp: bool = False
    """Write directly into ``work_dir`` instead of a timestamped sub-directory."""
    keep_empty_answers: bool = False
    """Take answers that came back without any text (``content: null``) as final: a resumed run keeps them
    instead of asking again."""
    ignore_errors: bool = False
    """Finish the run when samples fail (they are counted as errored) instead of stopping."""
    seed: Optional[int] = 42
    """Seed for few-shot sampling and sample shuffling."""
    debug: bool = False
    """Verbose logging."""

    # -- legacy flags, folded into generation_config
    stream: Optional[bool] = Field(default=None, exclude=True)
    """Deprecated: use ``generation_config.stream``."""
    timeout: Optional[float] = Field(default=None, exclude=True)
    """Deprecated: use ``generation_config.timeout``."""

    @model_validator(mode="before")
    @classmethod
    def _legacy_eval_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("eval_type") in LEGACY_EVAL_TYPES:
            data = dict(data)
            old = data["eval_type"]
            data["eval_type"] = LEGACY_EVAL_TYPES[old]
            logger.warning("eval_type %r is deprecated; use %r", old, data["eval_type"])
        return data

    @field_validator("datasets", mode="before")
    @classmethod
    def _datasets_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("dataset_args", mode="before")
    @classmethod
    def _dataset_args_json(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = parse_kv_or_json(v, "dataset_args")
        return v

    @field_validator("model_args", mode="before")
    @classmethod
    def _model_args_json(cls, v: Any) -> Any:
        return parse_kv_or_json(v, "model_args") if isinstance(v, str) else v

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = float(v) if "." in v else int(v)
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer() and v >= 1:
            v = int(v)
        if isinstance(v, float) and not 0 < v < 1:
            raise ValueError("limit must be a count (int >= 1) or a fraction in (0, 1)")
        if isinstance(v, int) and v < 1:
            raise ValueError("limit must be a count (int >= 1) or a fraction in (0, 1)")
        return v

    @field_validator("eval_config", mode="before")
    @classmethod
    def _eval_config(cls, v: Any) -> Any:
        if isinstance(v, (str, Path)) and str(v).strip():
            text = str(v).strip()
            if text.startswith("{"):
                return json.loads(text)
            return read_mapping_file(Path(text), "eval_config")
        return v

    @model_validator(mode="after")
    def _infer(self) -> "TaskConfig":
        if self.stream is not None:
            logger.warning("--stream is deprecated; use generation_config.stream")
            self.generation_config.stream = self.stream
            self.stream = None
        if self.timeout is not None:
            logger.warning("--timeout is deprecated; use generation_config.timeout")
            self.generation_config.timeout = self.timeout
            self.timeout = None
        if self.eval_type is None:
            if self.api_url:
                self.eval_type = "openai_api"
            elif self.model is None or self.model == "mock":
                self.eval_type = "mock_llm"
            elif isinstance(self.model, str) and ":" in self.model and not os.path.exists(self.model):
                self.eval_type = "custom"
            elif not isinstance(self.model, str):
                self.eval_type = "custom"
            else:
                self.eval_type = "llm_ckpt"
        if self.eval_type == "openai_api" and not self.api_url:
            raise ValueError("eval_type 'openai_api' needs --api-url (e.g. http://127.0.0.1:8000/v1)")
        if not self.model_id:
            self.model_id = _default_model_id(self.model)
        return self

    def dataset_args_for(self, benchmark: str) -> DatasetArgs:
        return self.dataset_args.get(benchmark) or DatasetArgs()

    def to_safe_dict(self) -> dict[str, Any]:
        """The task as plain data with secrets masked (for ``configs/task_config.yaml``)."""
        data = self.model_dump(mode="json", exclude={"stream", "timeout", "model"})
        data = {"model": self.model if isinstance(self.model, (str, type(None))) else
                f"<{type(self.model).__name__} object>", **data}
        if self.api_key is not None:
            data["api_key"] = "***"
        data["model_args"] = mask_secrets(data.get("model_args", {}))
        from evalscope.secrets import mask_config

        data["eval_config"] = mask_config(data.get("eval_config"))  # a backend's config: the one policy
        headers = data["generation_config"].get("extra_headers", {})
        data["generation_config"]["extra_headers"] = {
            k: ("***" if _is_secret_key(k) else v) for k, v in headers.items()
        }
        return data


_SECRET_WORDS = ("key", "token", "secret", "password", "authorization")


def _is_secret_key(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_WORDS)


def mask_secrets(value: Any) -> Any:
    """A copy of ``value`` with every field named like a secret (api_key, token, ...) masked."""
    if isinstance(value, dict):
        return {k: ("***" if _is_secret_key(str(k)) and v is not None else mask_secrets(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def _default_model_id(model: Any) -> str:
    if model is None:
        return "mock-model"
    if isinstance(model, str):
        name = model.rstrip("/").split("/")[-1]
        return name.split(":")[-1] if ":" in name and not os.path.exists(model) else name
    return getattr(model, "model_name", None) or type(model).__name__


def read_mapping_file(path: Path, what: str) -> dict[str, Any]:
    if not path.exists():
        raise ValueError(f"{what}: file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{what}: {path} must hold a mapping, not {type(data).__name__}")
    return data
