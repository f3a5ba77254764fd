"""The bottom layer: records that cross every module boundary (messages, samples, model outputs, scores).

Everything in ``evalscope`` may import from here; this package imports nothing of ``evalscope`` but
``evalscope.errors``, so ``metrics``, ``benchmarks``, ``native`` and the backends share these types without
import cycles. The names follow EvalScope 1.x's ``evalscope.api`` where they overlap.
"""

from evalscope.api.dataset import Sample
from evalscope.api.messages import (
    ChatMessage,
    Content,
    ContentAudio,
    ContentImage,
    ContentText,
    ContentVideo,
    message_text,
)
from evalscope.api.model import EncodesRequests, ModelAPI, ModelError, ModelOutput, Usage
from evalscope.api.scoring import Answer, Score, Scorer, ScoringContext

__all__ = [
    "Answer", "ChatMessage", "Content", "ContentAudio", "ContentImage", "ContentText", "ContentVideo",
    "EncodesRequests", "ModelAPI",
    "ModelError", "ModelOutput", "Sample", "Score", "Scorer", "ScoringContext", "Usage", "message_text",
]
