"""Turn pydantic validation errors into one clear message per mistake.

An unknown key names the nearest valid key and lists the valid ones (EvalScope silently
ignores such keys, which costs its users hours).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from evalscope.errors import ConfigError
from evalscope.registry import unknown_name_message


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the last key of ``loc`` (walking nested models/dicts)."""
    from typing import get_args, get_origin

    model: Any = root
    for part in loc[:-1]:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:  # a key of a dict[str, Model] field: stay on the model
            continue
        model = _unwrap(field.annotation, get_args, get_origin)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any, get_args: Any, get_origin: Any) -> Any:
    """Find a BaseModel inside Optional[...], dict[str, M], list[M]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap(arg, get_args, get_origin)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _where(loc: tuple[Any, ...], what: str) -> str:
    path = ".".join(str(p) for p in loc)
    return f"{what} {path!r}" if path else what


def format_validation_error(root: type[BaseModel], exc: ValidationError, what: str = "task config") -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        if err["type"] == "extra_forbidden":
            owner = _model_at(root, loc)
            valid = list(owner.model_fields) if owner else []
            parent = ".".join(str(p) for p in loc[:-1])
            scope = f"{what} ({parent})" if parent else what
            lines.append(unknown_name_message(f"key in {scope}:", str(loc[-1]), valid))
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            got = _shown_input(loc, err.get("input"))
            shown = "" if isinstance(got, (dict, list)) or got is None or repr(got) in msg else f" (got {got!r})"
            lines.append(f"{_where(loc, 'invalid')}: {msg}{shown}")
    return "\n".join(lines)


def _shown_input(loc: tuple[Any, ...], got: Any) -> Any:
    """The rejected value as it may be shown: secrets masked (a bad URL may carry a password)."""
    from evalscope.config.api_url import shown_url
    from evalscope.secrets import MASK, is_secret_key

    if loc and isinstance(loc[-1], str) and is_secret_key(loc[-1]) and got is not None:
        return MASK
    if isinstance(got, str) and "://" in got:
        return shown_url(got)
    if isinstance(got, str) and "@" in got and not any(c.isspace() for c in got):  # user:pass@host, no scheme
        return shown_url("http://" + got)[len("http://"):]
    return got


def validate(model: type[BaseModel], data: Any, what: str = "task config") -> Any:
    """``model.model_validate(data)``; a ValidationError becomes a ConfigError with clear text."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(model, exc, what)) from None
