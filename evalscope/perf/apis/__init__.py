"""API plugins of ``evalscope perf`` (registry kind ``perf_api``)."""

from evalscope.perf.apis import openai  # noqa: F401  (registers the built-ins)
from evalscope.perf.apis.base import ApiPlugin, PromptItem

__all__ = ["ApiPlugin", "PromptItem"]
