"""EvalScope's OpenCompass ``eval_config``, accepted as is (pure: no ``opencompass`` import).

```yaml
datasets: [ARC_c, gsm8k]                 # OpenCompass dataset names; default: --datasets
models:
  - path: qwen2.5-7b-instruct            # the served model name
    openai_api_base: http://127.0.0.1:8000/v1/chat/completions
    key: EMPTY
    is_chat: true
    batch_size: 8
    temperature: 0.0
custom_datasets:                         # local files in OpenCompass's custom format
  - {path: /data/my_mcq.jsonl, data_type: mcq}
dataset_dir: /data/opencompass           # OpenCompass's data layout (data/ARC/ARC-c/...); default: --dataset-dir
work_dir: outputs                        # inside the run directory
limit: 20                                # an int or a share (OpenCompass: a seeded random subset), or '[a:b]'
reuse: false
debug: false
max_num_workers: 4                       # OpenCompass tasks (one subprocess each) in parallel
```
An unknown key is an error naming the nearest valid key.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from evalscope_opencompass.datasets import CustomDataset

SLICE = re.compile(r"^\[\s*(\d*)\s*:\s*(\d*)\s*\]$")


def chat_url(api_url: str) -> str:
    """The ``.../chat/completions`` URL of ``api_url`` (a base URL is completed); ``OpenAIExtra`` only
    speaks chat, so a ``.../completions`` URL is refused."""
    from evalscope.wire.urls import check_api_url, endpoint_url, shown_url

    url, kind = endpoint_url(check_api_url(api_url))
    if kind != "chat":
        raise ValueError(f"{shown_url(url)!r} is a completions endpoint; OpenCompass's OpenAIExtra model sends "
                         "chat messages: give the .../v1 base or the .../v1/chat/completions URL")
    return url


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=())


class OCModel(_Strict):
    """A model behind an OpenAI-compatible chat endpoint (run as OpenCompass's ``OpenAIExtra``, with bounded
    retries and a timeout)."""

    path: str
    """The model name the server serves (sent as ``model``)."""
    openai_api_base: str
    """The full ``.../chat/completions`` URL (a ``.../v1`` base is completed)."""
    key: Optional[SecretStr] = None
    """The API key (never written to files or logs; default: ``$OPENAI_API_KEY``)."""
    abbr: Optional[str] = None
    """Name in OpenCompass's folders and in reports (default: ``path``)."""
    is_chat: bool = True
    """A chat model (the only kind an API endpoint serves here)."""
    batch_size: int = Field(default=8, ge=1)
    """Requests in flight."""
    temperature: Optional[float] = Field(default=None, ge=0)
    """Sampling temperature."""
    max_out_len: int = Field(default=2048, ge=1)
    """Completion tokens per answer."""
    max_seq_len: int = Field(default=4096, ge=1)
    """Context length OpenCompass assumes."""
    query_per_second: float = Field(default=100.0, gt=0)
    """OpenCompass's rate limit."""
    retry: int = Field(default=2, ge=1)
    """Attempts per request."""
    timeout: float = Field(default=600.0, gt=0)
    """Seconds to wait for one answer (upstream OpenCompass waits forever)."""
    meta_template: Optional[dict[str, Any]] = None
    """OpenCompass's meta template (roles), passed through."""

    @field_validator("openai_api_base")
    @classmethod
    def _endpoint(cls, v: str) -> str:
        return chat_url(v)

    @property
    def report_name(self) -> str:
        return self.abbr or self.path


class OpenCompassConfig(_Strict):
    """The ``eval_config`` of ``eval_backend: OpenCompass``."""

    datasets: list[str] = Field(default_factory=list)
    """OpenCompass dataset names (``ARC_c``, ``gsm8k``, ``mmlu``) or config stems (``gsm8k_gen_17d0dc``);
    default: ``--datasets``."""
    custom_datasets: list[CustomDataset] = Field(default_factory=list)
    """Local ``.jsonl``/``.csv`` files in OpenCompass's custom QA/MCQ format."""
    models: list[OCModel] = Field(default_factory=list)
    """The API models; default: the unified flags ``--model``/``--api-url``."""
    work_dir: str = "outputs"
    """OpenCompass's work dir, relative to the run's ``backends/OpenCompass/`` (kept inside the run directory)."""
    limit: Optional[Union[int, float, str]] = None
    """Samples per dataset: a count, a share in (0, 1), or a slice ``'[a:b]'``; default: ``--limit``."""
    reuse: bool = False
    """Reuse the latest results in the work dir (``--use-cache`` sets it)."""
    debug: bool = False
    """Run tasks in this process, one at a time (OpenCompass's ``--debug``)."""
    max_num_workers: int = Field(default=4, ge=1)
    """OpenCompass tasks (one subprocess per model and dataset) run in parallel."""
    dataset_dir: Optional[str] = None
    """A folder in OpenCompass's data layout (``COMPASS_DATA_CACHE``); default: ``--dataset-dir``."""

    @field_validator("datasets", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("custom_datasets", mode="before")
    @classmethod
    def _customs(cls, v: Any) -> Any:
        items = [v] if isinstance(v, (dict, str)) else v
        return [{"path": x} if isinstance(x, str) else x for x in items] if isinstance(items, list) else items

    @field_validator("models", mode="before")
    @classmethod
    def _models(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v

    @field_validator("work_dir")
    @classmethod
    def _inside(cls, v: str) -> str:
        from evalscope.backend.config_checks import inside_run_dir

        return inside_run_dir(v, "work_dir")

    @field_validator("limit")
    @classmethod
    def _limit(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, str):
            m = SLICE.match(v.strip())
            if not m or (m.group(1) and m.group(2) and int(m.group(2)) <= int(m.group(1))):
                raise ValueError("limit must be a count, a share in (0, 1) or a slice '[a:b]' with a < b")
            return v.strip().replace(" ", "")
        if v <= 0 or (isinstance(v, float) and v > 1 and not v.is_integer()):
            raise ValueError("limit must be a positive count or a share in (0, 1)")
        return int(v) if isinstance(v, float) and v >= 1 else v


def parse_config(data: Any) -> OpenCompassConfig:
    """Validate ``eval_config``; errors become ConfigErrors naming the field (and the nearest key)."""
    from evalscope.config.errors import validate

    return validate(OpenCompassConfig, data if data is not None else {}, "OpenCompass eval_config")
