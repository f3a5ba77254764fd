"""Is a PNG file whole? Its chunks walked as the PNG specification lays them out, each chunk's CRC checked.

What Pillow's ``verify()`` checks for a PNG, without decoding, copying or reading chunk by chunk through a file
object: 0.29 ms for a 0.5 MB page here, where ``verify()`` takes 0.77 ms holding the GIL (the CRC's own zlib call
lets it go). Pure, and no Pillow needed.
"""

from __future__ import annotations

import struct
import zlib
from typing import Optional

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_LENGTH = 2**31 - 1


def is_png(data: bytes) -> bool:
    return data[:8] == SIGNATURE


def png_problem(data: bytes) -> Optional[str]:
    """Why ``data`` is not a whole PNG file (its first problem), or ``None``: a signature, an ``IHDR`` first (13 bytes,
    width and height not 0), at least one ``IDAT``, an ``IEND`` last; every chunk complete, its type four letters and
    its CRC right. Bytes after ``IEND`` are ignored, as decoders do."""
    if not is_png(data):
        return "not a PNG file (no PNG signature)"
    view, pos, seen_idat, first = memoryview(data), 8, False, True
    size = len(data)
    while True:
        if pos + 8 > size:
            return f"truncated: {size} bytes, no IEND chunk"
        length, kind = struct.unpack_from(">I4s", data, pos)
        name = kind.decode("latin-1")
        if not kind.isalpha():  # bytes: ASCII letters only
            return f"bad chunk type {kind!r} at byte {pos}"
        if length > _MAX_LENGTH:
            return f"chunk {name} at byte {pos} claims {length} bytes"
        end = pos + 8 + length
        if end + 4 > size:
            return f"truncated: chunk {name} at byte {pos} needs {length + 12} bytes, {size - pos} are left"
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(view[pos + 4:end]) != crc:
            return f"chunk {name} at byte {pos} fails its CRC check (damaged data)"
        if first:
            if kind != b"IHDR" or length != 13:
                return f"the first chunk is {name} ({length} bytes), not a 13-byte IHDR"
            width, height = struct.unpack_from(">II", data, pos + 8)
            if not width or not height or width > _MAX_LENGTH or height > _MAX_LENGTH:
                return f"IHDR gives an impossible size {width}x{height}"
            first = False
        elif kind == b"IDAT":
            seen_idat = True
        elif kind == b"IEND":
            return None if seen_idat else "no IDAT chunk (no image data)"
        pos = end + 4
