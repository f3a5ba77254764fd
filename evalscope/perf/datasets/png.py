"""A minimal PNG encoder (pure: pixels in, file bytes out), for generated test images without Pillow."""

from __future__ import annotations

import struct
import zlib

# image_format (Pillow's mode names, as EvalScope's --image-format) -> (PNG colour type, bytes per pixel)
MODES = {"RGB": (2, 3), "L": (0, 1)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rows: list[bytes], mode: str = "RGB") -> bytes:
    """``rows``: ``height`` rows of ``width`` pixels, each ``bytes_per_pixel`` bytes (8-bit)."""
    colour_type, bpp = MODES[mode]
    if len(rows) != height or any(len(r) != width * bpp for r in rows):
        raise ValueError(f"expected {height} rows of {width * bpp} bytes")
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def random_image(rng, width: int, height: int, mode: str = "RGB", shapes: tuple[int, int] = (1, 5)) -> bytes:
    """A PNG of one random colour with a few random rectangles on it (as EvalScope's random_vl draws)."""
    _, bpp = MODES[mode]
    pixel = lambda: bytes(rng.randrange(256) for _ in range(bpp))  # noqa: E731
    grid = [bytearray(pixel() * width) for _ in range(height)]
    for _ in range(rng.randint(*shapes)):
        x1, x2 = sorted((rng.randrange(width), rng.randrange(width)))
        y1, y2 = sorted((rng.randrange(height), rng.randrange(height)))
        fill = pixel() * (x2 - x1 + 1)
        for y in range(y1, y2 + 1):
            grid[y][x1 * bpp : (x2 + 1) * bpp] = fill
    return encode_png(width, height, [bytes(r) for r in grid], mode)
