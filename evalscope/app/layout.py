"""The page frame and small HTML helpers of the viewer (all text escaped)."""

from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlencode

from evalscope.report.render import esc

NAV = (("/", "Runs"), ("/compare", "Compare"))


def url(path: str, **params: Any) -> str:
    items = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        items += [(key, v) for v in value] if isinstance(value, (list, tuple)) else [(key, value)]
    return esc(path + ("?" + urlencode(items) if items else ""))


def page(title: str, body: str, crumbs: Optional[list[tuple[str, str]]] = None, charts: bool = False) -> str:
    nav = "".join(f'<a href="{esc(href)}">{esc(label)}</a>' for href, label in NAV)
    trail = " › ".join(f'<a href="{href}">{esc(label)}</a>' for href, label in (crumbs or []))
    scripts = '<script src="/static/plotly.min.js"></script>' if charts else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} · evalscope</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="/static/app.css">{scripts}<script src="/static/app.js" defer></script>'
            f'</head><body><header><b>evalscope</b> {nav}<span class="crumbs">{trail}</span></header>'
            f'<main><h1>{esc(title)}</h1>{body}</main></body></html>')


def chart(figure: dict[str, Any], height: int = 360) -> str:
    """A plotly figure, drawn by app.js from a JSON data block (no inline script: the CSP forbids it)."""
    data = json.dumps(figure, ensure_ascii=False, default=str).replace("</", "<\\/")
    return (f'<div class="chart" style="height:{height}px"><script type="application/json">{data}</script>'
            '<noscript>charts need JavaScript</noscript></div>')


def notes(items: list[str]) -> str:
    return "".join(f'<p class="note">{esc(n)}</p>' for n in items)


def badge(status: str) -> str:
    return f'<span class="badge {esc(status)}">{esc(status)}</span>'
