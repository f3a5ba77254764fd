"""URLs of OpenAI-compatible endpoints: checked once when the config is read, then made into request URLs.

Both are pure functions. ``check_api_url`` says what is wrong with a URL in one sentence and never
repeats its credentials or query values; ``endpoint_url`` keeps the query after the path
(``http://h/v1?api-version=1`` -> ``http://h/v1/chat/completions?api-version=1``).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from evalscope.secrets import mask_url

ApiKind = Literal["chat", "completions"]

SCHEMES = ("http", "https")
EXAMPLE = "e.g. http://127.0.0.1:8000/v1"


def check_api_url(url: str) -> str:
    """``url`` without surrounding blanks, or a ``ValueError`` saying what is wrong with it."""
    text = url.strip()
    if not text:
        raise ValueError(f"the URL is empty ({EXAMPLE})")
    if "://" not in text:
        shown = mask_url("http://" + text)[len("http://"):]
        raise ValueError(f"{shown!r} has no scheme: write it as http://{shown} or https://{shown}")
    shown = mask_url(text)
    scheme = text.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise ValueError(f"{shown!r}: the scheme must be http or https, not {scheme!r} ({EXAMPLE})")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{shown!r}: {_netloc_problem(str(exc))}") from None
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"{shown!r} has no host ({EXAMPLE})")
    if any(c.isspace() or ord(c) < 32 for c in parts.netloc):
        raise ValueError(f"{shown!r}: the host part contains a blank or a control character")
    if port == 0:
        raise ValueError(f"{shown!r}: the port must be in 1-65535")
    return text


def _netloc_problem(reason: str) -> str:
    if "Invalid IPv6" in reason:
        return "unbalanced brackets around an IPv6 address (write it as http://[::1]:8000/v1)"
    if "out of range" in reason:
        return "the port must be in 1-65535"
    if "could not be cast" in reason:
        return ("the port is not a number (an IPv6 address goes in brackets: http://[::1]:8000/v1)"
                if reason.count(":") > 1 else "the port is not a number")
    if "does not appear to be an IPv4 or IPv6 address" in reason:
        return "the part in brackets is not an IPv6 address"
    return reason


def endpoint_url(api_url: str) -> tuple[str, ApiKind]:
    """The request URL and API kind for ``api_url``; its query is kept after the path.

    ``.../chat/completions`` -> chat; ``.../completions`` -> plain completions; a base URL
    (``http://host/v1``) -> ``<base>/chat/completions``. A fragment is never sent, so it is dropped.
    """
    parts = urlsplit(api_url.strip())
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        kind: ApiKind = "chat"
    elif path.endswith("/completions"):
        kind = "completions"
    else:
        path, kind = path + "/chat/completions", "chat"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), kind
