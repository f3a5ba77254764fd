"""Image cells of dataset rows -> ``ContentImage`` parts, and the base class of the image benchmarks.

A cell is a hub ``{"bytes": ..., "path": ...}`` struct (bytes win; base64 text is accepted for bytes), a path
(relative paths are resolved against ``local_path``, ``local_path/<subset>``, then the working directory), an http(s) URL (sent as is),
a ``data:`` URI, or bare base64. Bytes are written once to a content-addressed folder under the system's
temporary directory (removed when the process exits) and the part points there, with its hash, MIME type and
``source`` (the struct's ``path``, or ``<benchmark>/<subset> row N``) set, so records keep hash + source and the
sample list holds no image bytes. A missing file or undecodable base64 is a ``ValueError`` naming it, which
the engine reports as a load-time error naming the row.

Parquet files whose image columns all have bytes are read without them (``lazy_parquet``): a cell becomes a
``parquet-cell:`` locator, read and hashed when the engine builds that sample's messages
(:meth:`VisionBenchmark.build_messages`), its bytes handed to the request's image preparer from memory, never
written to disk: the first request goes out without waiting for every image.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Optional

from evalscope.api import ChatMessage, ContentImage, ContentText, Sample
from evalscope.api.media import content_hash, is_remote, read_bytes, sniff_media_type
from evalscope.benchmarks.base import Benchmark
from evalscope.benchmarks.vision import lazy_parquet
from evalscope.errors import DatasetError

_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
               "image/bmp": ".bmp"}
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}$")
_lock = threading.Lock()
_cache_dir: Optional[Path] = None


def cache_dir() -> Path:
    """The process's folder of spilled image bytes (created on first use, removed at exit)."""
    global _cache_dir
    with _lock:
        if _cache_dir is None:
            _cache_dir = Path(tempfile.mkdtemp(prefix="evalscope-images-"))
            atexit.register(shutil.rmtree, _cache_dir, True)
        return _cache_dir


def spill(data: bytes, source: str) -> ContentImage:
    """A part for image bytes: written once by content hash, hash/MIME/source set (no bytes kept in memory)."""
    media_type = sniff_media_type(data)
    digest = content_hash(data)
    path = cache_dir() / f"{digest}{_EXTENSIONS.get(media_type or '', '.bin')}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + f".{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return ContentImage(image=str(path), sha256=digest, media_type=media_type, source=source)


def _decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what}: bad base64 image ({exc})") from None


def image_part(value: Any, dirs: list[Path], what: str) -> ContentImage:
    """One image cell as a part (see the module docstring); ``what`` names it in errors and records."""
    if isinstance(value, lazy_parquet.LazyCell):
        return ContentImage(image=value.locator, source=str(value.path or what))
    if isinstance(value, dict):
        raw, path = value.get("bytes"), value.get("path")
        if isinstance(raw, (bytes, bytearray)) and raw:
            return spill(bytes(raw), str(path or what))
        if isinstance(raw, str) and raw:  # bytes as base64 text (a struct written to JSON)
            return spill(_decode_base64(raw, what), str(path or what))
        value = path or value.get("url") or value.get("image")
        if not value:
            raise ValueError(f"{what}: an image cell without bytes or path")
    if isinstance(value, (bytes, bytearray)):
        return spill(bytes(value), what)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what}: expected an image (path, URL, data: URI or base64), got {type(value).__name__}")
    value = value.strip()
    if is_remote(value):
        return ContentImage(image=value)
    if value.startswith("data:"):
        data, _ = read_bytes(value)
        return spill(data, "inline")
    candidate = Path(value).expanduser()
    for base in ([Path()] if candidate.is_absolute() else dirs):
        path = candidate if candidate.is_absolute() else base / candidate
        if path.is_file():
            return ContentImage(image=str(path), source=value)
    if len(value) > 64 and _BASE64.match(value[:4096]):
        return spill(_decode_base64(value, what), "inline")
    looked = ", ".join(str(d) for d in dirs) if not candidate.is_absolute() else "absolute path"
    shown = value if len(value) <= 120 else value[:60] + "..."
    raise ValueError(f"{what}: image file {shown!r} not found (looked in {looked})")


class VisionBenchmark(Benchmark):
    """An image benchmark: the question's text and image parts in one user message; ``{question}`` templates."""

    template_fields = None  # {question}/{query} are replaced, not str.format: prompt_template is not checked
    image_first: bool = False
    """Put the images before the text (most models do not care; some papers' prompts do)."""
    subset_column: Optional[str] = None
    """The column whose value is a row's subset (EvalScope's ``reformat_subset``: one data file, the subsets are
    the values of this column, ``meta.subsets`` lists them); ``None``: subsets are files."""

    def hub_config(self, subset: str) -> Optional[str]:
        return None if self.subset_column is not None else super().hub_config(subset)

    def read_local_file(self, path: Path) -> Optional[Iterator[dict[str, Any]]]:
        """Parquet rows with their image cells read later (``lazy_parquet``); other files: the loader's readers."""
        if path.suffix != ".parquet":
            return None
        try:
            return lazy_parquet.read_rows(path)
        except ImportError:
            return None  # the loader's reader names the missing pyarrow

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        return self.resolve_images(super().build_messages(sample, few_shots))

    def resolve_images(self, messages: list[ChatMessage]) -> list[ChatMessage]:
        """The messages with each lazy parquet image's hash and MIME type set (its bytes read, kept in memory
        until the request takes them; source kept); every ``build_messages`` of an image benchmark returns
        through this."""
        if not any(isinstance(p, ContentImage) and (p.image or "").startswith(lazy_parquet.PREFIX)
                   for m in messages if not isinstance(m.content, str) for p in m.content):
            return messages
        store = lazy_parquet.store()
        out = []
        for message in messages:
            if isinstance(message.content, str):
                out.append(message)
                continue
            parts = []
            for part in message.content:
                if isinstance(part, ContentImage) and (part.image or "").startswith(lazy_parquet.PREFIX):
                    digest, media_type = store.resolve(part.image)
                    part = part.model_copy(update={"sha256": digest, "media_type": media_type})
                parts.append(part)
            out.append(message.model_copy(update={"content": parts}))
        return out

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        if self.subset_column is None:
            return True
        value = record.get(self.subset_column)
        if value not in self.meta.subsets:  # EvalScope drops such a row silently
            raise DatasetError(f"{self.name}: a row has {self.subset_column}={value!r}, which is none of its subsets "
                               f"({', '.join(map(repr, self.meta.subsets))}); row: id={record.get('id', record.get('index'))!r}, "
                               f"question={str(record.get('question'))[:60]!r}")
        return value == subset

    def image_dirs(self, subset: str) -> list[Path]:
        root = self.args.local_path or self.args.dataset_id
        if not root or not Path(root).expanduser().exists():
            return [Path.cwd()]
        base = Path(root).expanduser()
        base = base.parent if base.is_file() else base
        return [base, base / subset, Path.cwd()]  # EvalScope's examples give paths relative to the cwd

    def images_of(self, record: dict[str, Any], index: int, subset: str) -> list[ContentImage]:
        """The row's images, in order: ``image``, ``image_1`` .. ``image_N``, then ``images`` (a list)."""
        what = f"{self.name}/{subset} row {index + 1}"
        dirs = self.image_dirs(subset)
        cells = [record.get("image")] + [record.get(f"image_{i}") for i in range(1, 101)]
        listed = record.get("images")
        if isinstance(listed, str):
            listed = [listed]
        cells += list(listed or [])
        out = []
        for n, cell in enumerate(c for c in cells if c is not None and c != ""):
            out.append(image_part(cell, dirs, what if n == 0 else f"{what} image {n + 1}"))
        return out

    def vision_sample(self, record: dict[str, Any], index: int, subset: str, question: str,
                      target: Any, **fields: Any) -> Sample:
        images = self.images_of(record, index, subset)
        text = [ContentText(text=question)]
        content = [*images, *text] if self.image_first else [*text, *images]
        sid = record.get("id", record.get("questionId", record.get("index", index)))
        return Sample(id=str(sid), input=[ChatMessage(role="user", content=content)], target=target, **fields)

    def format_query(self, sample: Sample) -> str:
        text = sample.input_text
        return self.prompt_template.replace("{question}", text).replace("{query}", text)


ANSWER_LINE = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)


def answer_line(prediction: str) -> Optional[str]:
    """The text after the last ``ANSWER:`` (EvalScope's extraction), or ``None`` when there is none."""
    matches = ANSWER_LINE.findall(prediction)
    return matches[-1].strip() if matches else None
