"""Multimodal prompts (``flickr8k``): images from a local folder or a parquet file, as OpenAI image content."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Iterator, Optional

from evalscope.api import ChatMessage, ContentImage, ContentText
from evalscope.api.media import sniff_media_type
from evalscope.errors import DatasetError, UsageError
from evalscope.perf.apis.base import PromptItem
from evalscope.perf.datasets.base import DatasetPlugin
from evalscope.registry import register
from evalscope.wire.openai import encode_message

IMAGE_SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}
DEFAULT_PROMPT = "Describe this image in one sentence."


def sniff_mime(data: bytes) -> str:
    return sniff_media_type(data) or "application/octet-stream"


def image_message(text: str, images: list[tuple[bytes, str]]) -> list[dict]:
    """One user message with the text and the images, encoded by the one OpenAI codec (``wire.openai``)."""
    parts: list = [ContentText(text=text)]
    for data, mime in images:
        parts.append(ContentImage(image=f"data:{mime};base64,{base64.b64encode(data).decode()}", media_type=mime))
    return [encode_message(ChatMessage(role="user", content=parts))]


@register("perf_dataset", "flickr8k")
class Flickr8k(DatasetPlugin):
    """Images from ``--dataset-path``: a folder (``*.jpg|jpeg|png|webp|gif``, sorted) or a parquet file
    with an image column (``jpg``/``image``/``img``: bytes or ``{"bytes": ...}``) and an optional caption
    column (``txt``/``caption``). The text is ``--prompt`` or a fixed instruction. ``--image-num`` images
    per request. Needs a chat URL."""

    def items(self) -> Iterator[PromptItem]:
        if not self.args.is_chat:
            raise UsageError("--dataset flickr8k sends images: use a chat URL (.../v1/chat/completions)")
        path = self.require_path("a folder of images or a parquet file (e.g. clip-benchmark/wds_flickr8k)")
        images = list(self._images(path))
        if not images:
            raise DatasetError(f"no images found in {path}")
        text = self.args.prompt or DEFAULT_PROMPT
        k = max(1, self.args.image_num)
        for i in range(0, len(images), k):
            group = images[i : i + k]
            yield PromptItem(messages=image_message(text, group), meta={"n_images": len(group)})

    def _images(self, path: Path) -> Iterator[tuple[bytes, str]]:
        if path.is_dir():
            for f in sorted(path.iterdir()):
                mime = IMAGE_SUFFIXES.get(f.suffix.lower())
                if mime:
                    yield f.read_bytes(), mime
            return
        if path.suffix != ".parquet":
            raise DatasetError(f"{path}: expected a folder of images or a .parquet file")
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise UsageError("reading parquet needs pyarrow: pip install 'evalscope[parquet]'") from None
        table = pq.read_table(path)
        column = _first_present(table.column_names, ("jpg", "image", "img", "png"))
        if column is None:
            raise DatasetError(f"{path}: no image column (jpg, image, img, png) in {table.column_names}")
        for value in table.column(column).to_pylist():
            data = value.get("bytes") if isinstance(value, dict) else value
            if isinstance(data, (bytes, bytearray)):
                yield bytes(data), sniff_mime(bytes(data))


def _first_present(names: list[str], wanted: tuple[str, ...]) -> Optional[str]:
    return next((w for w in wanted if w in names), None)
