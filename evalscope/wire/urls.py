"""URLs of OpenAI-compatible endpoints: checked once when the config is read (``check_api_url``, from
``evalscope.config.api_url``), then made into request URLs.

Both are pure functions. ``endpoint_url`` keeps the query after the path
(``http://h/v1?api-version=1`` -> ``http://h/v1/chat/completions?api-version=1``).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from evalscope.config.api_url import check_api_url, shown_url

__all__ = ["ApiKind", "check_api_url", "endpoint_url", "shown_url"]

ApiKind = Literal["chat", "completions"]


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
