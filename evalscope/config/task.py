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
from evalscope.secrets import MASK, mask_config

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
    extra_params: Optional[dict[str, Any]] = None
    """Benchmark-specific settings (live_code_bench's ``start_date``/``end_date``, ...); unknown keys are errors."""

    def identity(self) -> dict[str, Any]:
        """The settings that change the prompts (a resumed run must share them).

        Where the data lives may change between runs (a moved folder): what it holds is checked per
        sample by the hash of each prompt. Scoring settings may change: reviews are redone then.
        """
        keys = ("few_shot_num", "few_shot_random", "prompt_template", "system_prompt", "eval_split",
                "train_split", "max_image_bytes", "image_max_pixels")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class JudgeModelArgs(BaseModel):
    """The LLM judge (``judge_model_args``): an OpenAI-compatible model that grades answers."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=(),
                              populate_by_name=True)

    model: Optional[str] = Field(default=None, alias="model_id")
    """The judge's served model name (EvalScope's ``model_id`` is accepted too)."""
    api_url: Optional[str] = None
    """The judge's OpenAI-compatible endpoint (a base URL or a full chat URL)."""
    api_key: Optional[SecretStr] = None
    """The judge's API key (never written to outputs or logs)."""
    generation_config: GenerationConfig = Field(default_factory=lambda: GenerationConfig(temperature=0.0))
    """The judge's generation settings (default: temperature 0)."""
    system_prompt: Optional[str] = None
    """A system message sent before every judge prompt."""

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, v: Optional[str]) -> Optional[str]:
        from evalscope.config.api_url import check_api_url

        return None if v is None else check_api_url(v)

    @property
    def configured(self) -> bool:
        return bool(self.model and self.api_url)


JudgeStrategy = Literal["auto", "rule", "llm", "llm_recall"]


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
    judge_model_args: JudgeModelArgs = Field(default_factory=JudgeModelArgs)
    """The LLM judge of benchmarks that grade with one (``model``, ``api_url``, ``api_key``, ``generation_config``)."""
    judge_strategy: JudgeStrategy = "auto"
    """``rule``: rule metrics only; ``llm``: the judge only; ``llm_recall``: the judge re-grades what the rule
    marked wrong; ``auto``: the judge where ``judge_model_args`` is set and the benchmark uses one, else the rule."""
    judge_worker_num: int = Field(default=1, ge=1)
    """Judge requests in flight at once."""
    sandbox: Literal["local", "unsafe-local"] = "local"
    """Where model-written code runs (code benchmarks): ``local`` isolates each program in new network, PID and
    mount namespaces under resource limits and refuses to run where the OS does not allow that; ``unsafe-local``
    applies the resource limits only (no network isolation): only for code you trust."""
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

    @field_validator("judge_model_args", mode="before")
    @classmethod
    def _judge_json(cls, v: Any) -> Any:
        return parse_kv_or_json(v, "judge_model_args") if isinstance(v, str) else v

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

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, v: Optional[str]) -> Optional[str]:
        from evalscope.config.api_url import check_api_url

        return None if v is None else check_api_url(v)

    @field_validator("eval_config", mode="before")
    @classmethod
    def _eval_config(cls, v: Any) -> Any:
        if isinstance(v, (str, Path)) and str(v).strip():
            text = str(v).strip()
            if text.startswith("{"):
                return parse_kv_or_json(text, "eval_config")
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
            self.model_id = _default_model_id(self.model, self.eval_type)
        return self

    def dataset_args_for(self, benchmark: str) -> DatasetArgs:
        return self.dataset_args.get(benchmark) or DatasetArgs()

    def to_plain_dict(self) -> dict[str, Any]:
        """The task as plain data, secrets in clear (kept in memory: never write it anywhere)."""
        data = self.model_dump(mode="json", exclude={"stream", "timeout", "model", "api_key"})
        model = self.model if isinstance(self.model, (str, type(None))) else f"<{type(self.model).__name__} object>"
        key = self.api_key.get_secret_value() if self.api_key is not None else None
        if self.judge_model_args.api_key is not None:  # a nested SecretStr dumps masked: reveal it too
            data["judge_model_args"]["api_key"] = self.judge_model_args.api_key.get_secret_value()
        return {"model": model, "api_key": key, **data}

    def to_safe_dict(self) -> dict[str, Any]:
        """The task as plain data with secrets masked (for ``configs/task_config.yaml`` and job files)."""
        return mask_task_data(self.to_plain_dict())


_GENERATION_OPAQUE = ("extra_headers", "extra_body")


def mask_task_data(data: dict[str, Any]) -> dict[str, Any]:
    """Task data (``TaskConfig.to_plain_dict`` or a saved task config) with every secret masked.

    The one policy of ``evalscope.secrets``: the API key, URL credentials and query values anywhere,
    every header value but the known-plain ones, every ``extra_body`` value, and the secret-named
    keys of the free-form mappings (``model_args``, ``eval_config``). The typed fields of
    ``generation_config`` are shown as they are (``max_tokens`` is not a token).
    """
    data = dict(data)
    generation = dict(data.pop("generation_config", None) or {})
    safe = mask_config(data)
    if data.get("api_key"):
        safe["api_key"] = MASK
    free = {k: generation.pop(k) for k in _GENERATION_OPAQUE if k in generation}
    shown = {k: (mask_config(v) if isinstance(v, str) else v) for k, v in generation.items()}
    safe["generation_config"] = {**shown, **mask_config(free)}
    return safe


def _default_model_id(model: Any, eval_type: Optional[str] = None) -> str:
    """``org/name`` -> ``name``; ``qwen2.5:7b`` (an Ollama-style tag) stays whole; a custom model's
    ``module:Class`` -> ``Class``. Where it names a path, ``RunDir`` makes it file-system-safe."""
    if model is None:
        return "mock-model"
    if isinstance(model, str):
        if eval_type == "custom" and ":" in model and not os.path.exists(model):
            return model.rsplit(":", 1)[-1]
        return model.rstrip("/").split("/")[-1] or model
    return getattr(model, "model_name", None) or type(model).__name__


def read_mapping_file(path: Path, what: str) -> dict[str, Any]:
    """The mapping in a YAML/JSON file; every way it can be wrong is a one-line ``ValueError``."""
    if not path.exists():
        raise ValueError(f"{what}: file not found: {path}")
    if path.is_dir():
        raise ValueError(f"{what}: {path} is a directory, not a YAML/JSON file")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what}: {path} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    data = _parse_mapping_text(text, path, what)
    if not isinstance(data, dict):
        raise ValueError(f"{what}: {path} must hold a mapping, not {type(data).__name__}")
    return data


def _parse_mapping_text(text: str, path: Path, what: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{what}: {path}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"{what}: {path}{where}: invalid YAML: {problem}"
                         + (f" (column {mark.column + 1})" if mark is not None else "")) from None
