"""Images made ready to send, one request at a time: read, checked, and shrunk to the configured limits.

A local or inline image part becomes a ``data:`` URI of bytes that respect ``dataset_args``' ``max_image_bytes``
and ``image_max_pixels``: an image over the pixel limit is scaled down (aspect kept, its format kept), one over
the byte limit is re-encoded as JPEG at falling quality, then scaled down until it fits. An http(s) URL is sent
as it is (never fetched here, so no limit applies to it). Nothing is kept between requests: a run holds the
bytes of the images in flight only. :class:`ImagePreparer` runs this in a small thread pool (Pillow releases
the GIL while it decodes, resizes and encodes), so that the event loop never waits for an image.

Records are not affected: they keep the original image's hash and source (``ChatMessage.for_record``).
Scaling and re-encoding need Pillow (``pip install 'evalscope[vision]'``); without limits it is not needed.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import math
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Optional

from evalscope.api.allocator import keep_freed_memory
from evalscope.api.media import MediaError, is_remote, read_bytes
from evalscope.api.messages import ChatMessage
from evalscope.api.png import is_png, png_problem
from evalscope.errors import ConfigError

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'evalscope[vision]'"
JPEG_QUALITIES = (85, 70, 55, 40)
MIN_SIDE = 16
"""Images are never scaled below this many pixels on their short side; past it an image that does not fit is
an error."""


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")


def _b64encode() -> Any:
    """``pybase64.b64encode`` when installed (SIMD, a few times faster, releases the GIL: the ``vision``
    extra), else the standard library's; both give the same bytes."""
    try:
        import pybase64
    except ImportError:
        return base64.b64encode
    return pybase64.b64encode


b64encode = _b64encode()


class Base64Text(str):
    """A ``data:<type>;base64,...`` URI made here from bytes: only base64 characters after a checked MIME type, so
    JSON writes it unchanged and request encoders splice it in without scanning it (``evalscope.wire.json_body``).
    ``wire`` is the same text as ASCII bytes, in pieces (the prefix, the base64), for a request body to take as it
    is rather than encode the text again."""

    wire: tuple[bytes, ...]

    @classmethod
    def data_uri(cls, data: bytes, media_type: str) -> str:
        """``data`` as a ``data:`` URI; a ``Base64Text`` when ``media_type`` is a plain ``type/subtype``."""
        encoded = b64encode(data)
        prefix = f"data:{media_type};base64,"
        if not _MEDIA_TYPE.fullmatch(media_type):
            return prefix + encoded.decode("ascii")
        text = cls(prefix + encoded.decode("ascii"))
        text.wire = (prefix.encode("ascii"), encoded)
        return text


@dataclass(frozen=True)
class ImageLimits:
    """How big a sent image may be; ``None`` means no limit."""

    max_bytes: Optional[int] = None
    """Largest encoded image, in bytes."""
    max_pixels: Optional[int] = None
    """Largest image, in pixels (width x height)."""

    @classmethod
    def of(cls, args: Any) -> "ImageLimits":
        """The limits of a benchmark's ``DatasetArgs``; a limit without Pillow installed is a ``ConfigError``."""
        limits = cls(getattr(args, "max_image_bytes", None), getattr(args, "image_max_pixels", None))
        if limits.active and not pillow_available():
            raise ConfigError(f"dataset_args max_image_bytes / image_max_pixels need Pillow: {INSTALL_HINT}")
        return limits

    @property
    def active(self) -> bool:
        return self.max_bytes is not None or self.max_pixels is not None


def pillow_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("PIL") is not None


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise MediaError(f"scaling images needs Pillow: {INSTALL_HINT}") from None
    return Image


def _open(data: bytes, what: str) -> Any:
    """The decoded image (``MediaError`` naming ``what`` when the bytes are not a readable image)."""
    Image = _pil()
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as exc:
        raise MediaError(f"image {what} is too large to decode safely: {exc}") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise MediaError(f"image {what} cannot be decoded: {exc}") from None
    return image


def _encode(image: Any, fmt: str, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _flatten(image)
        image.save(buf, format="JPEG", quality=quality, optimize=True)
    else:
        image.save(buf, format=fmt, optimize=True)
    return buf.getvalue()


def _flatten(image: Any) -> Any:
    """An RGB copy, transparent areas on white (JPEG has no alpha)."""
    Image = _pil()
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _scaled(image: Any, factor: float) -> Any:
    width, height = image.size
    size = (max(1, math.floor(width * factor)), max(1, math.floor(height * factor)))
    return image.resize(size, _pil().Resampling.LANCZOS)


def fit_image(data: bytes, media_type: Optional[str], limits: ImageLimits, what: str = "") -> tuple[bytes, str]:
    """``data`` (bytes of ``media_type``) within ``limits``: the same bytes when they fit, else new ones and type.

    Over ``max_pixels``: scaled by ``sqrt(max_pixels / pixels)`` (rounded down), format kept (PNG for formats
    Pillow cannot write). Over ``max_bytes``: the original format at that size if it fits, else JPEG at
    qualities 85..40, then scaled down step by step. ``MediaError`` when it cannot fit.
    """
    media_type = media_type or "application/octet-stream"
    if not limits.active:
        return data, media_type
    image = _open(data, what)
    width, height = image.size
    too_many = limits.max_pixels is not None and width * height > limits.max_pixels
    too_big = limits.max_bytes is not None and len(data) > limits.max_bytes
    if not (too_many or too_big):
        return data, media_type
    fmt = "JPEG" if media_type == "image/jpeg" else "PNG"
    if too_many:
        image = _scaled(image, math.sqrt(limits.max_pixels / (width * height)))  # type: ignore[operator]
    out = _encode(image, fmt)
    if limits.max_bytes is None or len(out) <= limits.max_bytes:
        return out, f"image/{fmt.lower()}"
    while True:
        for quality in JPEG_QUALITIES:
            out = _encode(image, "JPEG", quality)
            if len(out) <= limits.max_bytes:
                logger.debug("image %s: %d -> %d bytes, %dx%d, JPEG q%d", what, len(data), len(out),
                             *image.size, quality)
                return out, "image/jpeg"
        if min(image.size) <= MIN_SIDE:
            raise MediaError(f"image {what} does not fit in max_image_bytes={limits.max_bytes} even at "
                             f"{image.size[0]}x{image.size[1]} ({len(out)} bytes as JPEG)")
        factor = max(0.5, min(0.9, math.sqrt(limits.max_bytes / len(out))))
        image = _scaled(image, max(factor, MIN_SIDE / min(image.size)))


_BYTE_SOURCES: dict[str, Callable[[str], tuple[bytes, Optional[str]]]] = {}


def register_byte_source(prefix: str, reader: Callable[[str], tuple[bytes, Optional[str]]]) -> None:
    """Images whose ``image`` starts with ``prefix`` are read by ``reader`` (bytes, MIME type) when prepared:
    data sources that keep images where they lie (``evalscope.benchmarks.vision.lazy_parquet``). ``reader`` is
    called from the preparing threads and raises ``MediaError`` when it cannot read."""
    _BYTE_SOURCES[prefix] = reader


def _read(value: str) -> tuple[bytes, Optional[str]]:
    for prefix, reader in _BYTE_SOURCES.items():
        if value.startswith(prefix):
            return reader(value)
    return read_bytes(value)


def _check_image(data: bytes, media_type: Optional[str], what: str) -> None:
    if not media_type or not media_type.startswith("image/"):
        raise MediaError(f"image {what} is not an image file (starts with {data[:8]!r})")
    if is_png(data):  # checked here: 0.29 ms per 0.5 MB page, where Pillow's verify() takes 0.77 ms
        problem = png_problem(data)
        if problem is not None:
            raise MediaError(f"image {what} is corrupt: {problem}")
        return
    if pillow_available():
        from PIL import Image, UnidentifiedImageError

        try:
            Image.open(io.BytesIO(data)).verify()
        except UnidentifiedImageError:
            raise MediaError(f"image {what} is not an image file (starts with {data[:8]!r})") from None
        except Exception as exc:  # Pillow's verify raises many types for broken files
            raise MediaError(f"image {what} is corrupt: {exc or type(exc).__name__}") from None


def prepare_part(part: Any, limits: ImageLimits) -> Any:
    """An image part ready to send: its bytes checked, fitted to ``limits``, inlined as a ``data:`` URI."""
    if part.type != "image":
        return part
    value = part.image
    if not value:
        raise MediaError("image part has no image (records keep only hash + source; it cannot be sent)")
    if is_remote(value):
        return part
    what = repr(part.source or ("inline" if value.startswith("data:") else value))
    data, media_type = _read(value)
    media_type = part.media_type or media_type
    _check_image(data, media_type, what)
    out, out_type = fit_image(data, media_type, limits, what)
    # model_copy does not validate, so the part keeps the Base64Text (a plain str would be re-scanned as JSON)
    return part.model_copy(update={"image": Base64Text.data_uri(out, out_type), "media_type": out_type})


def prepare_messages(messages: list[ChatMessage], limits: ImageLimits) -> list[ChatMessage]:
    """The messages with every local or inline image prepared (see :func:`prepare_part`); blocking."""
    out = []
    for message in messages:
        if isinstance(message.content, str) or not message.media:
            out.append(message)
            continue
        out.append(message.model_copy(update={"content": [prepare_part(p, limits) for p in message.content]}))
    return out


def _prepare_then(messages: list[ChatMessage], limits: ImageLimits,
                  then: Optional[Callable[[list[ChatMessage]], Any]]) -> Any:
    prepared = prepare_messages(messages, limits)
    return then(prepared) if then is not None else prepared


class ImagePreparer:
    """Prepares the images of one request at a time in a bounded thread pool, off the event loop."""

    def __init__(self, limits: ImageLimits, workers: Optional[int] = None) -> None:
        self.limits = limits
        self._workers = workers or min(4, os.cpu_count() or 1)
        self._executor: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()

    async def prepare(self, messages: list[ChatMessage]) -> list[ChatMessage]:
        """``prepare_messages`` in the pool; messages without images come back at once."""
        if not any(m.media for m in messages):
            return messages
        return await asyncio.wrap_future(self.submit(messages))

    def submit(self, messages: list[ChatMessage], then: Optional[Callable[[list[ChatMessage]], Any]] = None
               ) -> "Future[Any]":
        """``prepare_messages`` started in the pool (from any thread); its future (``MediaError`` when it fails).
        With ``then``, the future holds ``then(prepared messages)``, run in the pool too (the request encoded)."""
        if not any(m.media for m in messages):
            done: Future[Any] = Future()
            try:
                done.set_result(then(messages) if then is not None else messages)
            except Exception as exc:
                done.set_exception(exc)
            return done
        with self._lock:
            if self._executor is None:
                keep_freed_memory()  # each image's big buffers reuse freed memory, not fresh pages from the kernel
                self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="evalscope-images")
            return self._executor.submit(_prepare_then, messages, self.limits, then)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
