"""The samples page: filters, paging and one expandable card per sample."""

from __future__ import annotations

import json
from typing import Optional

from evalscope.app.layout import badge, notes, page, url
from evalscope.report.render import esc, fmt
from evalscope.report.store import ImageRef, OutsideRoots, RunStore, SamplePage, SampleQuery, SampleRow
from evalscope.report.store.rows import text_of


def _status(row: SampleRow) -> str:
    if row.error:
        return "errored"
    if row.main_score is None:
        return "pending" if row.pending else "unscored"
    return "wrong" if row.wrong else "right"


def _placeholder(ref: ImageRef, reason: str) -> str:
    return (f'<span class="media-blocked" title="sha256 {esc(ref.sha256)}">{esc(ref.type)} not shown: '
            f"{esc(reason)}</span>")


def _media(store: RunStore, run_id: str, row: SampleRow) -> str:
    """Thumbnails of the images inside the served roots; for any other part, a placeholder saying why."""
    out = []
    for ref in row.images:
        source = ref.source or ""
        if not source:
            out.append(_placeholder(ref, "the record names no source"))
        elif source == "inline":
            out.append(_placeholder(ref, "inline data, its bytes are not recorded"))
        elif "://" in source:
            out.append(_placeholder(ref, f"{source} is remote (the viewer fetches nothing)"))
        else:
            try:
                store.media_file(run_id, source)
            except OutsideRoots as exc:
                out.append(_placeholder(ref, str(exc)))
                continue
            src = url("/media", id=run_id, src=source)
            if ref.type == "image":
                out.append(f'<a href="{src}"><img class="thumb" loading="lazy" src="{src}" '
                           f'alt="{esc(source)}" title="{esc(source)} sha256 {esc(ref.sha256)}"></a>')
            else:
                out.append(f'<a class="media" href="{src}">{esc(ref.type)}: {esc(source)}</a>')
    return "".join(out)


def _field(label: str, value: Optional[str]) -> str:
    return "" if value is None else f"<div><b>{esc(label)}</b><pre>{esc(value)}</pre></div>"


def card(store: RunStore, run_id: str, row: SampleRow) -> str:
    status = _status(row)
    prompt = "".join(f"<div><i>{esc(m.get('role'))}</i><pre>{esc(text_of(m.get('content')))}</pre></div>"
                     for m in row.messages)
    score = esc(json.dumps(row.score, ensure_ascii=False)) if row.score is not None else "–"
    short = (row.extracted or row.answer or row.error or "")[:80]
    extra = _field("Other fields", json.dumps(row.extra, ensure_ascii=False, default=str)) if row.extra else ""
    return (f'<details class="sample" data-index="{row.index}"><summary>#{row.index} {badge(status)} '
            f'<code>{esc(row.sample_id)}</code> [{esc(row.subset)}] score {fmt(row.main_score, 3)} — '
            f'{esc(short)}</summary>{_media(store, run_id, row)}<h4>Prompt</h4>{prompt}'
            + _field("Raw answer", row.answer) + _field("Reasoning", row.reasoning)
            + _field("Scored prediction", row.prediction) + _field("Extracted answer", row.extracted)
            + _field("Reference", row.target) + f"<div><b>Score</b> <code>{score}</code></div>"
            + _field("Judge", row.judge) + _field("Error", row.error) + extra + "</details>")


def samples_page(store: RunStore, run_id: str, query: SampleQuery) -> str:
    info = store.run(run_id)
    files = store.sample_files(run_id)
    pairs = list(dict.fromkeys((f.model, f.benchmark) for f in files))
    if not pairs:
        return page(f"{info.name}: samples", "<p>This run has no per-sample files.</p>",
                    [("/", "Runs"), (url("/run", id=run_id), info.name)])
    model = query.model or pairs[0][0]
    bench = query.benchmark or next(b for m, b in pairs if m == model)
    query = query.model_copy(update={"model": model, "benchmark": bench})
    result = store.samples(run_id, query)
    opts = "".join(f'<option value="{esc(m)}|{esc(b)}"{" selected" if (m, b) == (model, bench) else ""}>'
                   f"{esc(b)} ({esc(m)})</option>" for m, b in pairs)
    subs = "".join(f'<option value="{esc(s)}"{" selected" if s == query.subset else ""}>{esc(s) or "every subset"}'
                   "</option>" for s in ["", *result.subsets])
    stats = "".join(f'<option value="{s}"{" selected" if s == query.status else ""}>{s}</option>'
                    for s in ("all", "wrong", "right", "errored", "unscored"))
    form = (f'<form class="filters" method="get" action="/samples"><input type="hidden" name="id" '
            f'value="{esc(run_id)}"><select name="pick">{opts}</select><select name="subset">{subs}</select>'
            f'<select name="status">{stats}</select><input name="q" value="{esc(query.q)}" '
            f'placeholder="full-text search"><input type="hidden" name="limit" value="{query.limit}">'
            "<button>Apply</button></form>")
    common = dict(id=run_id, model=model, benchmark=bench, subset=query.subset, status=query.status, q=query.q,
                  limit=query.limit)
    prev_link = (f'<a rel="prev" href="{url("/samples", **common, offset=max(0, query.offset - query.limit))}">'
                 "‹ previous</a>") if query.offset > 0 else ""
    next_link = (f'<a rel="next" href="{url("/samples", **common, offset=query.offset + query.limit)}">next ›</a>'
                 if query.offset + query.limit < result.total else "")
    last = min(result.total, query.offset + query.limit)
    so_far = "" if result.complete else " so far"
    pager = (f'<div class="pager">{prev_link}<span class="count">{query.offset + 1 if result.total else 0}–{last} '
             f"of {result.total}{so_far}</span>{next_link}</div>")
    cards = "".join(card(store, run_id, r) for r in result.rows)
    if not cards:
        cards = "<p>No sample matches.</p>" if result.complete else "<p>No match yet.</p>"
    return page(f"{info.name}: {bench} samples", form + notes(result.notes) + _progress(result, common) + pager
                + cards + pager, [("/", "Runs"), (url("/run", id=run_id), info.name)])


def _progress(result: SamplePage, common: dict) -> str:
    """While the files are being indexed: how far, and that the counts are partial (app.js keeps it current)."""
    if result.complete:
        return ""
    poll = url("/api/samples", **{**common, "limit": 1}, nowait=1)
    return (f'<p class="scanning" data-poll="{poll}">Still reading this benchmark\'s files '
            f'(<span class="pct">{100 * result.scanned:.0f}</span>% indexed): <span class="found">{result.total}</span> matching samples '
            f'so far. Every sample shown matches; more may follow. <a href="">Reload</a> for the rest.</p>')
