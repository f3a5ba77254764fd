"""Vision-language checkpoints: the conversation in the processor's form, with the images as PIL images.

A checkpoint is taken as vision-language when transformers' ``AutoModelForImageTextToText`` knows its
model type and its folder has a processor; its chat template places the image tokens, and the processor
turns the texts and images of a batch into model inputs.
"""

from __future__ import annotations

import io
from typing import Any

from evalscope.api import ChatMessage, ModelError
from evalscope.api.media import MediaError, read_bytes


def is_vision_config(config: Any) -> bool:
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES

    return getattr(config, "model_type", None) in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES


def _image(part: Any) -> Any:
    from PIL import Image

    if str(part.image).startswith(("http://", "https://")):
        raise ModelError("a local checkpoint reads images from files or data: URIs, not URLs")
    try:
        data, _ = read_bytes(str(part.image))
        image = Image.open(io.BytesIO(data))
        return image.convert("RGB")
    except (MediaError, OSError) as exc:
        raise ModelError(f"cannot read the image {part.source or 'part'}: {exc}") from None


def conversation(messages: list[ChatMessage]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The messages as the processor's chat template takes them, and their images in order."""
    turns, images = [], []
    for message in messages:
        if isinstance(message.content, str):
            turns.append({"role": message.role, "content": [{"type": "text", "text": message.content}]})
            continue
        parts = []
        for part in message.content:
            if part.type == "text":
                parts.append({"type": "text", "text": part.text})
            elif part.type == "image":
                parts.append({"type": "image"})
                images.append(_image(part))
            else:
                raise ModelError(f"{part.type} parts are not supported by llm_ckpt (images only)")
        turns.append({"role": message.role, "content": parts})
    return turns, images
