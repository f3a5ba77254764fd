"""A tiny inline-SVG line chart (pure: series in, SVG text out), for the offline HTML report."""

from __future__ import annotations

from html import escape
from typing import Optional, Sequence

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = (hi - lo) / (n - 1)
    return [lo + i * step for i in range(n)]


def _label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 1:
        return f"{v:.1f}"
    return f"{v:.3g}"


def line_chart(
    title: str,
    series: dict[str, Sequence[tuple[float, Optional[float]]]],
    x_label: str = "",
    y_label: str = "",
    width: int = 560,
    height: int = 300,
) -> str:
    """Each series is a list of (x, y); points with ``y=None`` are skipped."""
    pts = [(x, y) for s in series.values() for x, y in s if y is not None]
    left, right, top, bottom = 60, 130, 30, 40
    w, h = width - left - right, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<text x="{width / 2}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>']
    if not pts:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(out)
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(0.0, min(p[1] for p in pts)), max(p[1] for p in pts)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y1 = y0 + 1
    sx = lambda x: left + (x - x0) / (x1 - x0) * w  # noqa: E731
    sy = lambda y: top + h - (y - y0) / (y1 - y0) * h  # noqa: E731
    out.append(f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#eee"/>'
                   f'<text x="{left - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{_label(t)}</text>')
    for t in _ticks(x0, x1):
        out.append(f'<text x="{sx(t):.1f}" y="{top + h + 14}" text-anchor="middle">{_label(t)}</text>')
    out.append(f'<text x="{left + w / 2}" y="{height - 6}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text x="12" y="{top + h / 2}" text-anchor="middle" transform="rotate(-90 12 {top + h / 2})">'
               f'{escape(y_label)}</text>')
    for k, (name, s) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        coords = [(sx(x), sy(y)) for x, y in s if y is not None]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
            out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in coords)
        ly = top + 14 * k + 8
        out.append(f'<rect x="{left + w + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{left + w + 24}" y="{ly + 1}">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
