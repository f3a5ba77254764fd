"""The RAGEval ``eval_config`` for ``tool: MTEB`` / ``CMTEB`` (EvalScope-compatible names).

```yaml
tool: MTEB
models:                      # one or more; each is a local or an API model
  - model_name_or_path: /path/to/sentence-transformers/model
    max_seq_length: 256
  - model_name: text-embedding-v3
    api_base: http://127.0.0.1:8000/v1
    api_key: sk-...
    dimensions: 512          # unset (default) sends nothing
eval:
  task_names: [STSBenchmark]              # standard MTEB tasks (hub or local cache)
  local_data: {STSBenchmark: sts-test.csv}  # ... or a standard task read from local files
  custom_tasks:                           # your own data
    - {name: MyRetrieval, type: Retrieval, data_path: dir/with/corpus.jsonl}
    - {name: MySTS, type: STS, data_path: pairs.jsonl}
  limits: 100
```
Older EvalScope spellings are accepted: ``model`` for ``models``, ``eval.tasks`` for
``eval.task_names``, ``eval.topk`` for ``eval.top_k``, a plain path in ``custom_tasks``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

logger = logging.getLogger(__name__)


def expand(value: Optional[str]) -> Optional[str]:
    """``~`` and ``$VAR``/``${VAR}`` in paths and URLs; an unset variable is an error."""
    if value is None:
        return None
    out = os.path.expandvars(os.path.expanduser(value))
    match = re.search(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", out)
    if match:
        raise ValueError(f"environment variable {match.group(1)} (in {value!r}) is not set")
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=())


class LocalModel(_Strict):
    """A sentence-transformers model loaded in the harness process."""

    kind: Literal["local"] = "local"
    name: Optional[str] = None
    """Model name in reports (default: the last part of ``model_name_or_path``)."""
    model_name_or_path: str
    """A local model directory (offline), or a hub id when the hub is reachable."""
    is_cross_encoder: bool = False
    """Rerankers (two-stage evaluation) are not supported yet; must be false."""
    pooling_mode: Optional[str] = None
    """Replace the model's pooling: cls, lasttoken, max, mean, mean_sqrt_len_tokens, weightedmean."""
    max_seq_length: Optional[int] = Field(default=None, ge=1)
    """Tokens per text, longer texts are truncated; unset keeps the model's own limit (EvalScope
    sets 512, which silently lengthens models trained on 256 tokens such as all-MiniLM-L6-v2)."""
    prompt: Optional[str] = None
    """Prefix for queries (retrieval tasks)."""
    prompts: Optional[dict[str, str]] = None
    """Prompts by task name or prompt type (``query``, ``document``); used when ``prompt`` is unset."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments of the model constructor (``torch_dtype`` is accepted)."""
    config_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for the model's config."""
    encode_kwargs: dict[str, Any] = Field(default_factory=lambda: {"batch_size": 32})
    """Keyword arguments of ``encode`` (``batch_size``)."""
    hub: str = "modelscope"
    """Accepted for compatibility; models are loaded from a local path or the Hugging Face cache."""

    @field_validator("is_cross_encoder")
    @classmethod
    def _no_rerankers(cls, v: bool) -> bool:
        if v:
            raise ValueError("is_cross_encoder: rerankers are not supported by this RAGEval backend yet")
        return v

    @field_validator("model_name_or_path")
    @classmethod
    def _expand_model_name_or_path(cls, v: Optional[str]) -> Optional[str]:
        return expand(v)

    @property
    def report_name(self) -> str:
        return self.name or os.path.basename(self.model_name_or_path.rstrip("/")) or self.model_name_or_path


class APIModel(_Strict):
    """An OpenAI-compatible embeddings endpoint, reached through evalscope's embeddings client."""

    kind: Literal["api"] = "api"
    name: Optional[str] = None
    """Model name in reports (default: ``model_name``)."""
    model_name: str
    """Model id sent to the server."""
    api_base: str
    """Base URL, e.g. ``http://127.0.0.1:8000/v1``."""
    api_key: Optional[SecretStr] = None
    """API key (never written to files or logs)."""
    dimensions: Optional[int] = Field(default=None, ge=1)
    """Output size to request; ``None`` (default) sends nothing."""
    is_cross_encoder: bool = False
    """Rerankers are not supported yet; must be false."""
    max_seq_length: Optional[int] = None
    """Accepted for compatibility; the server truncates."""
    prompt: Optional[str] = None
    """Prefix for queries (retrieval tasks)."""
    encode_kwargs: dict[str, Any] = Field(default_factory=lambda: {"batch_size": 10})
    """``batch_size``: texts per request."""
    concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once."""
    timeout: float = Field(default=120.0, gt=0)
    """Seconds per request."""
    retries: int = Field(default=5, ge=0)
    """Re-sends after a transient failure."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers."""

    @field_validator("is_cross_encoder")
    @classmethod
    def _no_rerankers(cls, v: bool) -> bool:
        if v:
            raise ValueError("is_cross_encoder: API rerankers are not supported by this RAGEval backend yet")
        return v

    @field_validator("api_key", mode="before")
    @classmethod
    def _expand_api_key(cls, v: Any) -> Any:
        return expand(v) if isinstance(v, str) and "$" in v else v

    @field_validator("api_base")
    @classmethod
    def _expand_api_base(cls, v: Optional[str]) -> Optional[str]:
        return expand(v)

    @property
    def report_name(self) -> str:
        return self.name or self.model_name


ModelConfig = Annotated[Union[LocalModel, APIModel], Field(discriminator="kind")]


class CustomTask(_Strict):
    """A task read from your own files."""

    name: str = "CustomRetrieval"
    """Task name in reports."""
    type: Literal["Retrieval", "STS"] = "Retrieval"
    """Retrieval: a BEIR folder (corpus.jsonl, queries.jsonl, qrels.jsonl or qrels/<split>.tsv).
    STS: sentence pairs with scores (.jsonl ``sentence1, sentence2, score`` or the STS Benchmark
    tab-separated file)."""
    data_path: str
    """The folder (Retrieval) or file (STS)."""
    eval_splits: list[str] = Field(default_factory=lambda: ["test"])
    """Splits to evaluate (Retrieval: qrels per split; STS: one file is one split)."""
    main_score: Optional[str] = None
    """Primary metric (default: ndcg_at_10 for Retrieval, cosine_spearman for STS)."""
    min_score: float = 0.0
    """STS: the lowest gold score."""
    max_score: float = 5.0
    """STS: the highest gold score."""
    languages: list[str] = Field(default_factory=lambda: ["eng-Latn"])
    """Languages of the data (ISO 639-3 + script), for MTEB's metadata."""

    @field_validator("data_path")
    @classmethod
    def _expand_data_path(cls, v: Optional[str]) -> Optional[str]:
        return expand(v)


class EvalSection(_Strict):
    """What to evaluate and how."""

    task_names: list[str] = Field(default_factory=list)
    """Standard MTEB/CMTEB task names (data from the hub or the local Hugging Face cache)."""
    task_types: Optional[list[str]] = None
    """Keep only these task types (Retrieval, STS, ...) of ``task_names``."""
    languages: Optional[list[str]] = None
    """Keep only these languages of ``task_names``."""
    local_data: dict[str, str] = Field(default_factory=dict)
    """Standard tasks read from local files instead of the hub: ``{task name: path}`` (STS and
    Retrieval tasks; same formats as ``custom_tasks``). A task named here need not be in ``task_names``."""
    custom_tasks: list[CustomTask] = Field(default_factory=list)
    """Tasks from your own data."""
    limits: Optional[int] = Field(default=None, ge=1)
    """Samples per split (STS pairs; retrieval queries, with the corpus cut to their documents)."""
    output_folder: str = "outputs"
    """Raw MTEB results, relative to the backend's work dir unless absolute."""
    overwrite_results: bool = True
    """False: reuse raw results already in ``output_folder`` instead of running those tasks again."""
    top_k: int = Field(default=10, ge=1)
    """Candidates kept by the first stage of two-stage (reranking) runs; unused until rerankers are."""
    hub: str = "modelscope"
    """Accepted for compatibility; datasets come from the Hugging Face cache or ``local_data``."""
    verbosity: int = 2
    """Accepted for compatibility; logging follows ``--debug``."""
    encode_kwargs: Optional[dict[str, Any]] = None
    """Encode arguments for every model (a model's own ``encode_kwargs`` win)."""

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for old, new in (("tasks", "task_names"), ("topk", "top_k")):
            if old in data:
                if new in data:
                    raise ValueError(f"give either {old!r} or {new!r}, not both")
                data[new] = data.pop(old)
        tasks = data.get("custom_tasks")
        if isinstance(tasks, list):
            data["custom_tasks"] = [{"data_path": t, "name": _name_of(t)} if isinstance(t, str) else t for t in tasks]
        return data

    @field_validator("local_data")
    @classmethod
    def _expand_paths(cls, v: dict[str, str]) -> dict[str, str]:
        return {k: expand(p) for k, p in v.items()}

    @field_validator("output_folder")
    @classmethod
    def _expand_output_folder(cls, v: Optional[str]) -> Optional[str]:
        return expand(v)

    @model_validator(mode="after")
    def _something_to_do(self) -> "EvalSection":
        if not (self.task_names or self.custom_tasks or self.local_data):
            raise ValueError("eval: give task_names, local_data or custom_tasks")
        return self


def _name_of(path: str) -> str:
    return os.path.basename(path.rstrip("/")) or "CustomRetrieval"


class MTEBConfig(_Strict):
    """``eval_config`` of ``eval_backend: RAGEval`` with ``tool: MTEB`` or ``CMTEB``."""

    tool: Literal["MTEB", "CMTEB"] = "MTEB"
    """The harness; ``CMTEB`` is MTEB's Chinese tasks (same machinery)."""
    models: list[ModelConfig]
    """Models to evaluate, each on every task."""
    eval: EvalSection
    """Tasks and evaluation settings."""

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("tool"), str):
            data["tool"] = data["tool"].upper()
        if "model" in data:
            if "models" in data:
                raise ValueError("give either 'model' or 'models', not both")
            data["models"] = data.pop("model")
        if isinstance(data.get("models"), dict):
            data["models"] = [data["models"]]
        if isinstance(data.get("models"), list):
            data["models"] = [_tag(m) for m in data["models"]]
        return data

    @field_validator("tool", mode="before")
    @classmethod
    def _tool(cls, v: Any) -> Any:
        if isinstance(v, str) and v.upper() not in ("MTEB", "CMTEB"):
            raise ValueError(f"tool {v!r} is not supported by this RAGEval backend; use MTEB or CMTEB")
        return v

    @field_validator("models")
    @classmethod
    def _non_empty(cls, v: list[ModelConfig]) -> list[ModelConfig]:
        if not v:
            raise ValueError("models: give at least one model")
        names = [m.report_name for m in v]
        if len(set(names)) != len(names):
            raise ValueError(f"models: two models have the same name ({names}); reports would collide")
        return v


def _tag(model: Any) -> Any:
    """Give a model dict its ``kind``: an ``api_base`` means an API model."""
    if not isinstance(model, dict) or "kind" in model:
        return model
    model = dict(model)
    if "api_base" in model:
        model["kind"] = "api"
        if "model_name_or_path" in model and "model_name" not in model:
            model["model_name"] = model.pop("model_name_or_path")
    else:
        model["kind"] = "local"
        if "model_name" in model and "model_name_or_path" not in model:
            model["model_name_or_path"] = model.pop("model_name")
    return model


def parse_config(data: dict[str, Any]) -> MTEBConfig:
    """Validate ``eval_config``; errors become ConfigErrors naming the field (and the nearest key)."""
    from evalscope.config.errors import validate

    if isinstance(data, dict):  # each model alone first: its errors then name the right fields
        models = MTEBConfig._normalize(data).get("models")
        for i, model in enumerate(models if isinstance(models, list) else []):
            if isinstance(model, dict):
                cls = APIModel if model.get("kind") == "api" else LocalModel
                validate(cls, model, f"RAGEval eval_config models[{i}] ({cls.__name__})")
    return validate(MTEBConfig, data, "RAGEval eval_config")
