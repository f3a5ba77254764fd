"""The ``eval_config`` of ``eval_backend: lm-eval``, in lm-eval's own names (pure: no ``lm_eval`` import).

```yaml
tasks: [gsm8k_local]                # lm-eval task (or group) names; default: --datasets
include_path: ./my_tasks            # a folder of task YAMLs (local data: dataset_path json + data_files)
task_overrides:                     # a built-in task re-pointed at a local copy of its data
  arc_challenge_chat: {dataset_path: json, dataset_name: null,
                       dataset_kwargs: {data_files: {test: /data/arc_c_test.jsonl}}}
offline: true                       # no hub look-ups (default: true when --dataset-hub local)
model: local-chat-completions       # or local-completions (needs a tokenizer for loglikelihood tasks)
model_args: {tokenizer: /models/qwen}   # extra model_args, passed through
num_fewshot: 0
batch_size: 1
gen_kwargs: {temperature: 0, max_gen_toks: 256}
apply_chat_template: true           # always on for chat endpoints; default off for completions
fewshot_as_multiturn: false
system_instruction: null
limit: 20                           # samples per task (an int) or a share (a float below 1); default: --limit
log_samples: true
```
An unknown key is an error naming the nearest valid key.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

CHAT_MODEL = "local-chat-completions"
COMPLETIONS_MODEL = "local-completions"


class LMEvalConfig(BaseModel):
    """lm-eval's ``simple_evaluate`` arguments that make sense against an API model."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, protected_namespaces=())

    tasks: list[str] = Field(default_factory=list)
    """lm-eval task or group names (``gsm8k``, a custom YAML task's ``task:``); default: ``--datasets``."""
    model: Literal["local-chat-completions", "local-completions"] = CHAT_MODEL
    """The lm-eval model class: a chat endpoint (``generate_until`` tasks only) or a completions endpoint."""
    model_args: dict[str, Any] = Field(default_factory=dict)
    """Extra ``model_args`` of the lm-eval model (``tokenizer``, ``max_length``, ``timeout``, ...)."""
    tokenizer: Optional[str] = None
    """A local tokenizer folder (``local-completions``: needed by loglikelihood tasks)."""
    num_fewshot: Optional[int] = Field(default=None, ge=0)
    """Few-shot examples per prompt (default: the task's)."""
    batch_size: Union[int, str] = 1
    """Requests per API call (lm-eval's ``batch_size``; chat endpoints take 1)."""
    num_concurrent: Optional[int] = Field(default=None, ge=1)
    """Requests in flight (default: ``--eval-batch-size``)."""
    max_retries: int = Field(default=3, ge=1)
    """Attempts per request."""
    gen_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Generation arguments of every ``generate_until`` request (default from ``--generation-config``)."""
    apply_chat_template: Optional[bool] = None
    """Send chat messages: forced on for ``local-chat-completions``; off by default for ``local-completions``
    (lm-eval's default: a raw prompt, as loglikelihood scoring of a base model expects)."""
    fewshot_as_multiturn: bool = False
    """Few-shot examples as alternating user/assistant turns."""
    system_instruction: Optional[str] = None
    """A system message before every prompt."""
    include_path: list[str] = Field(default_factory=list)
    """Folders of task YAMLs to load besides lm-eval's own."""
    task_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Per task, keys of its YAML replaced (``dataset_path``, ``dataset_name``, ``dataset_kwargs``, splits...):
    a built-in task keeps its prompt, filters and metrics and reads a local copy of its data."""
    offline: Optional[bool] = None
    """No Hugging Face hub look-ups (``HF_HUB_OFFLINE``/``HF_DATASETS_OFFLINE``): a task whose data is not
    local fails at once instead of after the hub client's retries. Default: on with ``--dataset-hub local``."""
    limit: Optional[Union[int, float]] = None
    """Samples per task (an int), or a share of them (a float below 1); default: ``--limit``."""
    log_samples: bool = True
    """Write ``samples_<task>_<ts>.jsonl`` (per-sample records come from it)."""
    seed: int = 1234
    """Seed of lm-eval's random, numpy and few-shot sampling."""
    bootstrap_iters: int = Field(default=100000, ge=0)
    """Bootstrap iterations for the stderr of non-mean metrics (0: none)."""
    output_path: str = "outputs"
    """lm-eval's output folder, relative to the run's ``backends/lm-eval/`` (kept inside the run directory)."""

    @field_validator("tasks", "include_path", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [t for t in (p.strip() for p in v.split(",")) if t]
        return v

    @field_validator("task_overrides")
    @classmethod
    def _overrides(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for task, keys in v.items():
            renamed = keys.get("task", task)
            if renamed != task:
                raise ValueError(f"task_overrides.{task}: 'task' cannot rename the task (got {renamed!r})")
        return v

    @field_validator("output_path")
    @classmethod
    def _inside(cls, v: str) -> str:
        from evalscope.backend.config_checks import inside_run_dir

        return inside_run_dir(v, "output_path")

    @field_validator("limit")
    @classmethod
    def _limit(cls, v: Optional[Union[int, float]]) -> Optional[Union[int, float]]:
        if v is not None and (v <= 0 or (isinstance(v, float) and v > 1 and not v.is_integer())):
            raise ValueError("limit must be a positive count or a share in (0, 1)")
        return int(v) if isinstance(v, float) and v >= 1 else v


def parse_config(data: Any) -> LMEvalConfig:
    """Validate ``eval_config``; errors become ConfigErrors naming the field (and the nearest key)."""
    from evalscope.config.errors import validate

    return validate(LMEvalConfig, data if data is not None else {}, "lm-eval eval_config")
