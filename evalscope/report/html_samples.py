"""The per-sample part of the offline HTML report: each benchmark's errored and wrong samples, a bounded number
of each (a note says when there are more), as ``<details>`` blocks that open without any script. Media parts are
named by source and hash, never embedded or linked (the file stays self-contained)."""

from __future__ import annotations

import json
from typing import Optional

from evalscope.report.render import esc, fmt
from evalscope.report.store import RunStore, SampleQuery, SampleRow
from evalscope.report.store.rows import text_of

MAX_PER_KIND = 25
"""Samples shown per benchmark for each of errored and wrong."""
MAX_CHARS = 4000
"""Longer texts are cut (the viewer shows them whole)."""


def _cut(text: Optional[str]) -> Optional[str]:
    if text is None or len(text) <= MAX_CHARS:
        return text
    return text[:MAX_CHARS] + f"\n… ({len(text) - MAX_CHARS} more characters)"


def _field(label: str, value: Optional[str]) -> str:
    return "" if value is None else f"<div><b>{esc(label)}</b><pre>{esc(_cut(value))}</pre></div>"


def sample_block(row: SampleRow) -> str:
    prompt = "".join(f"<div><i>{esc(m.get('role'))}</i><pre>{esc(_cut(text_of(m.get('content'))))}</pre></div>"
                     for m in row.messages)
    media = "".join(f'<p class="media">[{esc(ref.type)}: {esc(ref.source)}, sha256 {esc(ref.sha256)}]</p>'
                    for ref in row.images)
    score = esc(json.dumps(row.score, ensure_ascii=False)) if row.score is not None else "–"
    short = (row.error or row.extracted or row.answer or "")[:100]
    return (f"<details><summary>#{row.index} <code>{esc(row.sample_id)}</code> [{esc(row.subset)}] score "
            f"{fmt(row.main_score, 3)} — {esc(short)}</summary>{media}<h4>Prompt</h4>{prompt}"
            + _field("Raw answer", row.answer) + _field("Extracted answer", row.extracted)
            + _field("Reference", row.target) + f"<div><b>Score</b> <code>{score}</code></div>"
            + _field("Judge", row.judge) + _field("Error", row.error) + "</details>")


def _kind(store: RunStore, run_id: str, model: str, bench: str, status: str) -> str:
    page = store.samples(run_id, SampleQuery(model=model, benchmark=bench, status=status, limit=MAX_PER_KIND))
    if not page.total:
        return ""
    shown = len(page.rows)
    more = (f' <span class="note">(the first {shown} of {page.total}; every sample is in '
            f"<code>evalscope app</code>)</span>") if page.total > shown else ""
    return (f"<h5>{page.total} {esc(status)}{more}</h5>" + "".join(sample_block(r) for r in page.rows))


def samples_section(store: RunStore, run_id: str) -> str:
    """Errored then wrong samples of every benchmark of the run ("" when it has no per-sample files)."""
    pairs = list(dict.fromkeys((f.model, f.benchmark) for f in store.sample_files(run_id)))
    parts = []
    for model, bench in pairs:
        store.benchmark_samples(run_id, model, bench).finish()  # the report needs exact counts
        body = _kind(store, run_id, model, bench, "errored") + _kind(store, run_id, model, bench, "wrong")
        parts.append(f"<h4>{esc(bench)} ({esc(model)})</h4>" + (body or "<p>No errored or wrong sample.</p>"))
    return ('<div class="samples"><h3>Samples to look at</h3>' + "".join(parts) + "</div>") if parts else ""
