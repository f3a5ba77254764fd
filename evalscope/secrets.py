"""The one secret policy of every output writer (task configs, job files, records, logs, perf outputs).

It is an allow-list: every header value and URL query value is a secret except those under names
known to carry none (``Content-Type``, ``api-version``, ...); URL credentials (``user:pass@``) are
always secrets; in a config mapping, a value is a secret when its key is named like one (``api_key``,
``token``, ``password``, ``cookie``, ...), when it sits under a headers-like mapping (``headers``,
``extra_headers``) or ``extra_body``, and URLs anywhere have their credentials and query values masked.
``redact`` removes known secret values from free text (an error message that echoes a token).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "**********"

PLAIN_HEADERS = ("content-type", "accept", "accept-encoding", "accept-language", "user-agent", "x-request-id",
                 "openai-organization", "openai-project")
"""Header names whose values are shown; every other header value is masked."""
PLAIN_QUERY = ("api-version", "api_version", "version")
"""URL query names whose values are shown; every other query value is masked."""
SECRET_KEY_WORDS = ("key", "apikey", "token", "secret", "password", "passwd", "pwd", "authorization", "auth",
                    "cookie", "credential", "credentials", "bearer", "passphrase")
"""A config key one of whose words (split at ``_``, ``-``, ``.``, blanks and camel case) is one of these holds a
secret: ``api_key``, ``X-Auth-Token``, ``accessToken``; not ``max_tokens`` or ``tokenizer_path``."""
OPAQUE_KEYS = ("headers", "extra_headers", "http_headers", "extra_body", "default_headers")
"""Config keys whose every value is masked (header values, request bodies the user added)."""


def is_secret_name(name: str, plain: tuple[str, ...] = PLAIN_HEADERS) -> bool:
    """Whether the value under this header (or query) name is masked: all but the known-plain ones."""
    return name.lower() not in plain


def is_secret_key(key: str) -> bool:
    """Whether a config key is named like a secret (``api_key``, ``X-Auth-Token``, ``cookie``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key).lower()
    return any(word in SECRET_KEY_WORDS for word in re.split(r"[\s_.\-]+", words))


def mask_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Header values masked but for the known-plain names."""
    return {k: (MASK if is_secret_name(str(k)) and v is not None else v) for k, v in headers.items()}


def looks_like_url(text: str) -> bool:
    return "://" in text and text.split("://", 1)[0].isalpha()


def mask_url(url: str) -> str:
    """``url`` with credentials and every query value but the known-plain ones masked."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK if ("@" in url or "?" in url) else url
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{MASK}@{host}" + (f":{port}" if port else "")
    query = parts.query
    if query:
        query = urlencode([(k, MASK if is_secret_name(k, PLAIN_QUERY) else v)
                           for k, v in parse_qsl(query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The secret values inside a URL (credentials, non-plain query values)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    out = [unquote(x) for x in (parts.username, parts.password) if x]
    out += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if is_secret_name(k, PLAIN_QUERY)]
    return out


def mask_config(value: Any) -> Any:
    """A copy of config data with every secret masked (see the module docstring for the policy)."""
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            key = str(k)
            if v is None or v == "":
                out[k] = v
            elif key.lower() in OPAQUE_KEYS and isinstance(v, Mapping):
                out[k] = mask_headers(v) if "header" in key.lower() else {kk: MASK for kk in v}
            elif key.lower() in OPAQUE_KEYS:
                out[k] = MASK
            elif is_secret_key(key) and not isinstance(v, (Mapping, list, bool)):
                out[k] = MASK
            else:
                out[k] = mask_config(v)
        return out
    if isinstance(value, (list, tuple)):
        return [mask_config(v) for v in value]
    if isinstance(value, str) and looks_like_url(value):
        return mask_url(value)
    return value


def config_secrets(value: Any) -> list[str]:
    """Every secret value inside config data (what ``mask_config`` hides), for ``redact``."""
    found: list[str] = []

    def walk(v: Any, secret: bool) -> None:
        if isinstance(v, Mapping):
            for k, item in v.items():
                key = str(k).lower()
                if key in OPAQUE_KEYS and isinstance(item, Mapping):
                    for hk, hv in item.items():
                        if "header" not in key or is_secret_name(str(hk)):
                            walk(hv, True)
                else:
                    walk(item, secret or key in OPAQUE_KEYS or is_secret_key(key))
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item, secret)
        elif isinstance(v, str):
            if secret:
                found.append(v)
            elif looks_like_url(v):
                found.extend(url_secrets(v))
        elif secret and v is not None and not isinstance(v, bool):
            found.append(str(v))
        elif hasattr(v, "get_secret_value"):
            found.append(v.get_secret_value())

    walk(value, False)
    return found


def redact(text: str, secrets: Iterable[str], min_length: int = 4) -> str:
    """``text`` with every secret value (at least ``min_length`` characters) replaced by the mask.

    A ``Bearer <token>`` / ``Basic <token>`` credential is masked even when its value is not known.
    """
    if not text:
        return text
    for secret in sorted({s for s in secrets if s and len(s) >= min_length}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _mask_auth_schemes(text)


def _mask_auth_schemes(text: str) -> str:
    return re.sub(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", lambda m: f"{m.group(1)} {MASK}", text)
