"""The pure PNG encoder behind random_vl: a file any decoder can read, checked chunk by chunk."""

import random
import struct
import zlib

import pytest

from evalscope.perf.datasets.png import encode_png, random_image


def chunks(png: bytes):
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        out.append((kind, data))
        pos += 12 + length
    return out


@pytest.mark.parametrize("mode,bpp,colour", [("RGB", 3, 2), ("L", 1, 0)])
def test_random_image_decodes_to_its_size(mode, bpp, colour):
    png = random_image(random.Random(1), 31, 17, mode)
    parts = chunks(png)
    assert [k for k, _ in parts] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, ctype = struct.unpack(">IIBB", parts[0][1][:10])
    assert (width, height, depth, ctype) == (31, 17, 8, colour)
    raw = zlib.decompress(parts[1][1])
    assert len(raw) == 17 * (1 + 31 * bpp) and all(raw[i * (1 + 31 * bpp)] == 0 for i in range(17))


def test_pixels_round_trip_and_bad_rows_are_refused():
    rows = [bytes([10, 20, 30]) * 2, bytes([40, 50, 60]) * 2]
    raw = zlib.decompress(chunks(encode_png(2, 2, rows))[1][1])
    assert raw == b"\x00" + rows[0] + b"\x00" + rows[1]
    with pytest.raises(ValueError):
        encode_png(2, 2, rows[:1])
