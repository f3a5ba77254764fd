"""Bar and radar charts as inline SVG (pure), for the offline HTML report."""

from __future__ import annotations

import math
from html import escape
from typing import Optional

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def bar_chart(title: str, groups: dict[str, dict[str, Optional[float]]], width: int = 640, height: int = 300) -> str:
    """``groups``: series (model) -> category (benchmark) -> value in [0, 1] (``None`` skipped)."""
    cats = list(dict.fromkeys(c for s in groups.values() for c in s))
    left, top, bottom = 50, 30, 70
    w, h = width - left - 20, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="11"><text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>']
    if not cats:
        return "".join(out) + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>'
    top_v = max([1.0] + [v for s in groups.values() for v in s.values() if v is not None])
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + h - t * h
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{t * top_v:.2f}</text>')
    slot = w / len(cats)
    bar = slot * 0.8 / max(1, len(groups))
    for si, (series, values) in enumerate(groups.items()):
        color = PALETTE[si % len(PALETTE)]
        for ci, cat in enumerate(cats):
            v = values.get(cat)
            if v is None:
                continue
            bh = v / top_v * h
            x = left + ci * slot + slot * 0.1 + si * bar
            out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{bar:.1f}" height="{bh:.1f}" fill="{color}">'
                       f'<title>{escape(series)} {escape(cat)}: {v:.4f}</title></rect>')
    for ci, cat in enumerate(cats):
        x = left + ci * slot + slot / 2
        out.append(f'<text x="{x:.1f}" y="{top + h + 14}" text-anchor="middle">{escape(cat[:18])}</text>')
    for si, series in enumerate(groups):
        out.append(f'<rect x="{left + si * 150}" y="{height - 18}" width="10" height="10" '
                   f'fill="{PALETTE[si % len(PALETTE)]}"/><text x="{left + si * 150 + 14}" y="{height - 9}">'
                   f'{escape(series[:20])}</text>')
    return "".join(out) + "</svg>"


def radar_chart(title: str, values: dict[str, Optional[float]], size: int = 320) -> str:
    """One polygon over the axes (values in [0, 1]); fewer than 3 axes draws nothing."""
    axes = list(values)
    if len(axes) < 3:
        return ""
    cx = cy = size / 2
    r = size / 2 - 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" font-family="sans-serif" '
           f'font-size="10"><text x="{cx}" y="14" text-anchor="middle" font-size="13">{escape(title)}</text>']

    def point(i: int, v: float) -> tuple[float, float]:
        a = 2 * math.pi * i / len(axes) - math.pi / 2
        return cx + r * v * math.cos(a), cy + r * v * math.sin(a)

    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(len(axes))))
        out.append(f'<polygon points="{pts}" fill="none" stroke="#ddd"/>')
    for i, axis in enumerate(axes):
        x, y = point(i, 1.12)
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(axis[:16])}</text>')
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, min(1.0, values[a] or 0.0)) for i, a in enumerate(axes)))
    out.append(f'<polygon points="{pts}" fill="{PALETTE[0]}" fill-opacity="0.3" stroke="{PALETTE[0]}"/>')
    return "".join(out) + "</svg>"
