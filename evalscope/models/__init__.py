"""Model adapters (openai-compatible, mock, custom); the types they exchange live in ``evalscope.api``."""

from evalscope.api.messages import ChatMessage
from evalscope.api.model import ModelAPI, ModelError, ModelOutput, Usage, aclose

__all__ = ["ChatMessage", "ModelAPI", "ModelError", "ModelOutput", "Usage", "aclose"]
