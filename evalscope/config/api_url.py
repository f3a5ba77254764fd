"""The ``api_url`` check: once, when the config is read, one sentence saying what is wrong, never
repeating the URL's credentials or query values. (Here, below ``evalscope.wire``, so that the config
layer can use it; ``evalscope.wire.urls`` re-exports it beside ``endpoint_url``.)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from evalscope.secrets import MASK, mask_url

SCHEMES = ("http", "https")
EXAMPLE = "e.g. http://127.0.0.1:8000/v1"


def check_api_url(url: str) -> str:
    """``url`` without surrounding blanks, or a ``ValueError`` saying what is wrong with it."""
    text = url.strip()
    if not text:
        raise ValueError(f"the URL is empty ({EXAMPLE})")
    if "://" not in text:
        shown = shown_url("http://" + text)[len("http://"):]
        raise ValueError(f"{shown!r} has no scheme: write it as http://{shown} or https://{shown}")
    shown = shown_url(text)
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


def shown_url(url: str) -> str:
    """``url`` as it may appear in a message: ``mask_url``'s policy, kept readable for a URL that
    does not parse (its credentials and its whole query masked)."""
    masked = mask_url(url)
    if masked != MASK:
        return masked
    head, sep, query = url.partition("?")
    head = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", rf"\1{MASK}@", head)
    return head + (f"?{MASK}" if sep else "")


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
