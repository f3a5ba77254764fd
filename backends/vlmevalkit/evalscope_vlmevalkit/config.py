"""EvalScope's VLMEvalKit ``eval_config``, accepted as is (pure: no ``vlmeval`` import).

```yaml
data: [DocVQA_VAL, RealWorldQA]     # VLMEvalKit dataset names (<data_dir>/<name>.tsv)
model:                              # one or more
  - name: CustomAPIModel            # the API form: an OpenAI-compatible server
    type: Qwen2.5-VL-3B-Instruct    # the served model name
    api_base: http://127.0.0.1:8000/v1/chat/completions
    key: EMPTY
    temperature: 0.0
    max_tokens: 512
  - name: qwen_chat                 # the local form: a VLMEvalKit model key (+ its constructor kwargs)
    model_path: /models/Qwen-VL-Chat
mode: all                           # all | infer
limit: 20
nproc: 16
judge: exact_matching
```
The dict, a YAML/JSON file path or a JSON string all arrive here as a dict (``TaskConfig``
reads files and JSON strings). An unknown key is an error naming the nearest valid key.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

API_MODEL_CLASS = "CustomAPIModel"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=())


class APIModel(_Strict):
    """A model behind an OpenAI-compatible chat endpoint (VLMEvalKit's ``CustomAPIModel``)."""

    name: Literal["CustomAPIModel"] = API_MODEL_CLASS
    """Always ``CustomAPIModel`` (EvalScope's spelling of the API form)."""
    type: str
    """The model name the server serves (sent as ``model``)."""
    api_base: str
    """The full ``.../chat/completions`` URL (a ``.../v1`` base is completed)."""
    key: Optional[SecretStr] = None
    """The API key (never written to files or logs; default: ``$OPENAI_API_KEY``)."""
    temperature: float = 0.0
    """Sampling temperature."""
    max_tokens: int = Field(default=2048, ge=1)
    """Completion tokens per answer."""
    img_size: int = -1
    """Resize images so that the long edge is at most this (-1: as they are)."""
    img_detail: Literal["low", "high"] = "high"
    """``detail`` of the image parts."""
    video_llm: bool = False
    """Send videos as videos (else as frames)."""
    system_prompt: Optional[str] = None
    """A system message before every request."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds per request."""
    retry: int = Field(default=5, ge=0)
    """Attempts per request when it fails."""
    model_name: Optional[str] = None
    """Name in reports and in VLMEvalKit's work dir (default: ``type``)."""

    @field_validator("api_base")
    @classmethod
    def _endpoint(cls, v: str) -> str:
        from evalscope.wire.urls import check_api_url, endpoint_url, shown_url

        url, kind = endpoint_url(check_api_url(v))
        if kind != "chat":
            raise ValueError(f"{shown_url(url)!r} is a plain completions endpoint; VLMEvalKit's CustomAPIModel "
                             "sends chat messages with images: give the .../v1 base or .../v1/chat/completions")
        return url

    @property
    def report_name(self) -> str:
        return self.model_name or self.type


class LocalModel(BaseModel):
    """A model VLMEvalKit loads itself: ``name`` is a key of its ``supported_VLM``; every other key
    is passed to that model's constructor (``model_path``, ...)."""

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True, protected_namespaces=())

    name: str
    """A VLMEvalKit model key (``qwen_chat``, ``Qwen2-VL-2B-Instruct``, ...)."""
    model_path: Optional[str] = None
    """A checkpoint directory or hub id, when the key does not fix it."""

    @property
    def report_name(self) -> str:
        return self.name

    @property
    def kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude={"name"}).items() if v is not None}


ModelEntry = Union[APIModel, LocalModel]


class VLMEvalConfig(_Strict):
    """The ``eval_config`` of ``eval_backend: VLMEvalKit``."""

    data: list[str] = Field(default_factory=list)
    """VLMEvalKit dataset names (``DocVQA_VAL``, ``RealWorldQA``); default: ``--datasets``."""
    model: list[ModelEntry] = Field(default_factory=list)
    """The models (API or local form); default: the unified flags ``--model``/``--api-url``."""
    mode: Literal["all", "infer"] = "all"
    """``all``: answer and score; ``infer``: answer only."""
    limit: Optional[Union[int, float]] = None
    """Samples per dataset (an int), or a share of them (a float below 1); default: ``--limit``."""
    reuse: bool = False
    """Keep the answers of a previous attempt in the work dir (``--use-cache`` sets it)."""
    nproc: int = Field(default=4, ge=1)
    """Requests in flight per API model (default: ``--eval-batch-size`` when larger than 1)."""
    judge: Optional[str] = None
    """Answer extraction when matching fails: ``exact_matching`` (offline) or a judge model name."""
    retry: Optional[int] = Field(default=None, ge=0)
    """Attempts per request (VLMEvalKit's ``--retry``)."""
    verbose: bool = False
    """VLMEvalKit's verbose logging."""
    ignore: bool = False
    """Do not re-ask samples whose answer failed (VLMEvalKit's ``--ignore``)."""
    nframe: int = Field(default=8, ge=1)
    """Frames per video (video datasets)."""
    fps: float = -1
    """Frames per second for videos (-1: use ``nframe``)."""
    use_subtitle: bool = False
    """Give video subtitles to the model."""
    work_dir: str = "outputs"
    """VLMEvalKit's work dir, relative to the run's ``backends/VLMEvalKit/`` (kept inside the run directory)."""
    data_dir: Optional[str] = None
    """A folder of VLMEvalKit TSVs (``<name>.tsv``); default: ``--dataset-dir``, else ``$LMUData``."""
    OPENAI_API_KEY: Optional[SecretStr] = None
    """EvalScope's judge key (never written to files or logs)."""
    OPENAI_API_BASE: Optional[str] = None
    """EvalScope's judge endpoint (``.../v1/chat/completions``)."""
    LOCAL_LLM: Optional[str] = None
    """EvalScope's judge model name served at ``OPENAI_API_BASE``."""

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("data"), str):
            data["data"] = [data["data"]]
        models = data.get("model")
        if isinstance(models, dict):
            models = [models]
        if isinstance(models, list):
            data["model"] = [_tag(m) for m in models]
        return data

    @field_validator("work_dir")
    @classmethod
    def _inside(cls, v: str) -> str:
        from evalscope.backend.config_checks import inside_run_dir

        return inside_run_dir(v, "work_dir")

    @field_validator("limit")
    @classmethod
    def _limit(cls, v: Optional[Union[int, float]]) -> Optional[Union[int, float]]:
        if v is not None and (v <= 0 or (isinstance(v, float) and v > 1 and not v.is_integer())):
            raise ValueError("limit must be a positive count or a share in (0, 1]")
        return int(v) if isinstance(v, float) and v > 1 else v


def _tag(model: Any) -> Any:
    """Route a model entry to its form: the API form is ``name: CustomAPIModel`` (or has ``api_base``)."""
    if isinstance(model, dict) and (model.get("name") == API_MODEL_CLASS or "api_base" in model):
        return APIModel.model_validate(model)
    if isinstance(model, dict):
        return LocalModel.model_validate(model)
    return model


def parse_config(data: Any) -> VLMEvalConfig:
    """Validate ``eval_config``; errors become ConfigErrors naming the field (and the nearest key)."""
    from evalscope.config.errors import validate

    if isinstance(data, dict):  # each model alone first: its errors then name the right fields
        models = data.get("model")
        models = [models] if isinstance(models, dict) else models
        for i, model in enumerate(models if isinstance(models, list) else []):
            if isinstance(model, dict) and (model.get("name") == API_MODEL_CLASS or "api_base" in model):
                validate(APIModel, model, f"VLMEvalKit eval_config model[{i}] (API form)")
            elif isinstance(model, dict) and not model.get("name"):
                validate(LocalModel, model, f"VLMEvalKit eval_config model[{i}] (local form)")
        data = {k: v for k, v in data.items() if k != "model"} | (
            {"model": models} if models is not None else {})
    return validate(VLMEvalConfig, data, "VLMEvalKit eval_config")
