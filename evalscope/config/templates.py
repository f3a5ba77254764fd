"""Prompt templates (``dataset_args.<b>.prompt_template``): checked against the benchmark
before the run starts (``evalscope.run.check_task``), so that a typo is one clear error and never a
traceback per sample.

A template is a ``str.format`` string with named placeholders only (``{query}``); literal braces
are doubled (``{{``). Which names a benchmark fills is its business: ``template_fields`` on the
benchmark class when it declares one (``None``: its templates are not ``str.format`` strings and are
not checked), else the names its own default template uses, plus ``query``.
"""

from __future__ import annotations

import string
from typing import Any, Iterable, Optional


def template_fields(template: str) -> set[str]:
    """The placeholder names of a valid template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def check_template(template: str, allowed: Optional[Iterable[str]] = None) -> None:
    """A ``ValueError`` naming the first problem: unbalanced braces, a positional ``{}``/``{0}``,
    an attribute or index (``{query.x}``), a conversion (``{query!x}``), a format spec, or with
    ``allowed`` a name the benchmark does not fill."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{_reason(str(exc))} in {template!r} (write a literal brace as {{{{ or }}}})") from None
    valid = sorted(allowed) if allowed is not None else None
    hint = f"; this benchmark fills {', '.join('{' + v + '}' for v in valid)}" if valid else ""
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise ValueError(f"positional placeholder {{{name}}} in {template!r}: use a name{hint or ' ({query})'}")
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} in {template!r}: only plain names are filled{hint}")
        if conversion is not None or spec:
            mark = f"!{conversion}" if conversion is not None else f":{spec}"
            raise ValueError(f"placeholder {{{name}{mark}}} in {template!r}: conversions and format specs "
                             "are not supported")
        if valid is not None and name not in valid:
            raise ValueError(f"unknown placeholder {{{name}}} in {template!r}{hint}")


def _reason(text: str) -> str:
    if "Single '}'" in text:
        return "a single '}'"
    if "Single '{'" in text or "expected '}'" in text:
        return "an unclosed '{'"
    return text


def benchmark_template_fields(benchmark_cls: Any) -> Optional[set[str]]:
    """The placeholders a benchmark class fills, ``None`` when its templates are not checked (see the
    module docstring)."""
    if hasattr(benchmark_cls, "template_fields"):
        declared = benchmark_cls.template_fields
        return None if declared is None else set(declared)
    meta = getattr(benchmark_cls, "meta", None)
    default = getattr(meta, "prompt_template", None) or "{query}"
    return template_fields(default) | {"query"}
