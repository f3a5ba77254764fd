"""Request bodies as JSON bytes, fast when they carry megabytes of base64 media (pure).

``json.dumps`` checks every character of a string for escaping: for a 0.7 MB ``data:`` URI that is milliseconds
of CPU per request, with the GIL held. A :class:`~evalscope.api.images.Base64Text` (a ``data:`` URI made by
evalscope's own base64 encoder) needs no escaping by construction, so :func:`dumps_body` leaves those strings
out of the encoder and splices them into its output: the same bytes as ``json.dumps(body).encode()``, without
the scan. Every other string goes through the encoder as usual.
"""

from __future__ import annotations

import json
import os
from typing import Any

from evalscope.api.images import Base64Text

_NONCE = os.urandom(8).hex()
"""The placeholders' secret part: random per process (data cannot contain it by chance), drawn once (a
``getrandom`` call per request released the GIL and waited to take it back)."""


def dumps_body(body: Any) -> bytes:
    """``json.dumps(body).encode()``, with each ``Base64Text`` copied in as it is rather than encoded."""
    chunks = body_chunks(body)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _swap(value: Any, spliced: list[str], nonce: str) -> Any:
    """``value`` with each ``Base64Text`` replaced by a placeholder (its index in ``spliced``, where it is put).
    A module function, not a closure that calls itself: that would be a reference cycle per request, keeping
    its megabytes of base64 alive until the cyclic garbage collector runs."""
    if isinstance(value, Base64Text):
        spliced.append(value)
        return f"\x00{nonce}:{len(spliced) - 1}\x00"
    if isinstance(value, dict):
        return {k: _swap(v, spliced, nonce) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_swap(v, spliced, nonce) for v in value]
    return value


def body_chunks(body: Any) -> list[bytes]:
    """The bytes of :func:`dumps_body` in pieces, to be written one after another: each ``Base64Text``'s own
    ``wire`` bytes among them as they are (no copy of an image's megabytes into one more buffer)."""
    spliced: list[str] = []
    text = json.dumps(_swap(body, spliced, _NONCE))
    if not spliced:
        return [text.encode()]
    chunks: list[bytes] = []
    rest = text
    for i, value in enumerate(spliced):  # the encoder writes the placeholders in the order _swap() made them
        before, found, rest = rest.partition(f"\\u0000{_NONCE}:{i}\\u0000")
        if not found:  # cannot happen (the encoder keeps order); the plain encoding then, not a broken body
            return [json.dumps(body).encode()]
        chunks.append(before.encode())
        wire = getattr(value, "wire", None)
        chunks += wire if wire is not None else (value.encode("ascii"),)
    chunks.append(rest.encode())
    return chunks
