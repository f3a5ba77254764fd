"""``png_problem``: whole PNG files pass, and every damage the specification defines is named; on the same files
Pillow's ``verify()`` agrees (it is what the check replaces)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest

from evalscope.api.png import SIGNATURE, png_problem


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def ihdr(width: int = 3, height: int = 2) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))  # 8-bit greyscale


def idat(width: int = 3, height: int = 2) -> bytes:
    return chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + bytes(range(width)) for _ in range(height))))


IEND = chunk(b"IEND", b"")
GOOD = SIGNATURE + ihdr() + chunk(b"tEXt", b"Comment\x00made by hand") + idat() + IEND


def pillow_png(size=(120, 90), seed=0) -> bytes:
    """A noisy RGB page saved by Pillow (several IDAT chunks)."""
    Image = pytest.importorskip("PIL.Image", reason="Pillow (the 'vision' extra) is not installed")
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def pillow_verifies(data: bytes) -> bool:
    from PIL import Image

    try:
        Image.open(io.BytesIO(data)).verify()
    except Exception:
        return False
    return True


def test_whole_files_pass_with_bytes_after_iend_ignored():
    assert png_problem(GOOD) is None
    assert png_problem(GOOD + b"trailing junk") is None


def test_a_file_pillow_saved_passes_and_pillow_agrees():
    data = pillow_png((600, 400))
    assert data.count(b"IDAT") > 1  # Pillow splits its data: the walk crosses several IDAT chunks
    assert png_problem(data) is None and pillow_verifies(data)


@pytest.mark.parametrize("data, problem", [
    (b"GIF89a" + GOOD[6:], "no PNG signature"),
    (SIGNATURE, "truncated: 8 bytes, no IEND chunk"),
    (GOOD[:-12], f"truncated: {len(GOOD) - 12} bytes, no IEND chunk"),
    (GOOD[:45], "truncated: chunk tEXt at byte 33 needs 32 bytes, 12 are left"),
    (SIGNATURE + idat() + ihdr() + IEND, "the first chunk is IDAT"),
    (SIGNATURE + chunk(b"IHDR", b"\x00" * 12) + idat() + IEND, "not a 13-byte IHDR"),
    (SIGNATURE + ihdr(0, 2) + idat() + IEND, "impossible size 0x2"),
    (SIGNATURE + ihdr() + IEND, "no IDAT chunk"),
    (SIGNATURE + ihdr() + chunk(b"ID4T", b"x") + idat() + IEND, "bad chunk type b'ID4T' at byte 33"),
    (SIGNATURE + ihdr() + b"\xff\xff\xff\xffIDAT" + idat() + IEND, "chunk IDAT at byte 33 claims 4294967295 bytes"),
])
def test_each_kind_of_damage_is_named(data, problem):
    assert problem in (png_problem(data) or "")


def test_a_flipped_bit_anywhere_in_a_chunk_fails_its_crc():
    start = GOOD.index(b"IDAT") - 4
    for offset in range(start + 4, len(GOOD) - len(IEND)):  # type, data and CRC of tEXt's successor chunks
        damaged = bytearray(GOOD)
        damaged[offset] ^= 0x10
        problem = png_problem(bytes(damaged)) or ""
        assert "fails its CRC check" in problem or "bad chunk type" in problem, (offset, problem)


def test_every_cut_of_a_pillow_file_is_a_problem_and_pillow_agrees():
    data = pillow_png((60, 40), seed=3)
    for cut in range(0, len(data) - 1, 97):
        assert png_problem(data[:cut]) is not None, cut
        assert not pillow_verifies(data[:cut]), cut


def test_damaged_image_data_is_caught_where_pillow_catches_it():
    data = bytearray(pillow_png((200, 150), seed=5))
    data[len(data) // 2] ^= 0x01  # inside an IDAT chunk
    assert "fails its CRC check" in png_problem(bytes(data))
    assert not pillow_verifies(bytes(data))
