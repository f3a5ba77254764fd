"""EvalScope's constant classes, so scripts that write ``eval_type=EvalType.SERVICE`` keep working.

Plain string attributes, as in EvalScope; the config (``evalscope.config``) is what validates them,
with a clear error for a value this project does not support.
"""

from __future__ import annotations


class EvalType:
    """Values of ``TaskConfig.eval_type``."""

    OPENAI_API = "openai_api"
    SERVICE = "openai_api"  # EvalScope 0.x's name; the legacy string "service" is also accepted
    CHECKPOINT = "llm_ckpt"
    MOCK_LLM = "mock_llm"
    CUSTOM = "custom"


class EvalBackend:
    """Values of ``TaskConfig.eval_backend``."""

    NATIVE = "Native"
    OPEN_COMPASS = "OpenCompass"
    VLM_EVAL_KIT = "VLMEvalKit"
    RAG_EVAL = "RAGEval"
    THIRD_PARTY = "ThirdParty"


class HubType:
    """Values of ``TaskConfig.dataset_hub``."""

    MODELSCOPE = "modelscope"
    HUGGINGFACE = "huggingface"
    LOCAL = "local"

