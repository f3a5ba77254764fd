"""Model adapters behind the ModelAPI protocol (registered as ``model:<eval_type>``)."""

from evalscope.models.base import ChatMessage, ModelAPI, ModelError, ModelOutput, Usage

__all__ = ["ChatMessage", "ModelAPI", "ModelError", "ModelOutput", "Usage"]
