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
work_dir: outputs                        # inside the run directory
limit: 20                                # an int, a share (float) or '[a:b]'
reuse: false
debug: false
```
An unknown key is an error naming the nearest valid key.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

SLICE = re.compile(r"^\[\s*(\d*)\s*:\s*(\d*)\s*\]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=())


class OCModel(_Strict):
    """A model behind an OpenAI-compatible chat endpoint (run as OpenCompass's ``OpenAIExtra``)."""

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
    retry: int = Field(default=2, ge=0)
    """Attempts per request."""
    meta_template: Optional[dict[str, Any]] = None
    """OpenCompass's meta template (roles), passed through."""

    @field_validator("openai_api_base")
    @classmethod
    def _endpoint(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError("openai_api_base must be an http(s) URL, e.g. http://127.0.0.1:8000/v1/chat/completions")
        return v if v.endswith("/chat/completions") else v + "/chat/completions"

    @property
    def report_name(self) -> str:
        return self.abbr or self.path


class OpenCompassConfig(_Strict):
    """The ``eval_config`` of ``eval_backend: OpenCompass``."""

    datasets: list[str] = Field(default_factory=list)
    """OpenCompass dataset names (``ARC_c``, ``gsm8k``, ``mmlu``); default: ``--datasets``."""
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
    dataset_dir: Optional[str] = None
    """A folder in OpenCompass's data layout (``COMPASS_DATA_CACHE``); default: ``--dataset-dir``."""

    @field_validator("datasets", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("models", mode="before")
    @classmethod
    def _models(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v

    @field_validator("work_dir")
    @classmethod
    def _inside(cls, v: str) -> str:
        from pathlib import PurePath

        p = PurePath(v)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError("work_dir must be a relative path inside the run directory (no '..', not absolute)")
        return v

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
