"""HTML of the source panel: one citation's document with its metadata, "also reported by", and the whole cleaned
text with the cited span marked (`mark.active`, the answer's other citations `mark.also`); its empty state, its
errors and the "Back to answer" button."""

from __future__ import annotations

from assistant.ui.markup import date_of, esc, safe_url

EMPTY_PANEL = ("<div class='source-empty'><p>Click a citation such as <span class='chip-sample'>[1]</span> in an "
               "answer to read its source here, with the quoted passage highlighted.</p></div>")


def _marked(text: str, active: dict, others: list[dict]) -> tuple[str, bool]:
    """The document text, escaped, with `<mark>` around the active citation's span (class `active`) and the other
    cited spans of the same answer that do not overlap it. Returns (html, the active span holds its quote)."""
    spans = []
    ok = text[active["start"]:active["end"]] == active["quote"]
    start, end = active["start"], active["end"]
    if not ok:  # the document changed since the answer: find the quote, if it is still there
        at = text.find(active["quote"])
        if at >= 0:
            start, end, ok = at, at + len(active["quote"]), True
    if ok:
        spans.append((start, end, active["id"], True))
    for c in others:
        s, e = c["start"], c["end"]
        if text[s:e] != c["quote"] or any(s < e2 and s2 < e for s2, e2, _, _ in spans):
            continue
        spans.append((s, e, c["id"], False))
    spans.sort()
    out, pos = [], 0
    for s, e, cid, is_active in spans:
        out.append(esc(text[pos:s]))
        cls = "active" if is_active else "also"
        extra = " id='active-mark' tabindex='-1'" if is_active else ""
        out.append(f"<mark class='{cls}' data-cite='{int(cid)}'{extra}>{esc(text[s:e])}</mark>")
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out), ok


def back_button(rid: str | None, n: int | None) -> str:
    """"Back to answer": closes the source panel where it covers the page (phone width) and returns to the chip."""
    data = f" data-rid='{esc(rid)}' data-cite='{int(n)}'" if rid and n is not None else ""
    return f"<button type='button' class='back-to-answer'{data}>← Back to answer</button>"


def source_panel(doc: dict, citation: dict, siblings: list[dict], names: dict[str, dict],
                 rid: str | None = None) -> str:
    """The source of one citation: title, publisher, date, link, "also reported by", and the whole cleaned text
    with the cited span marked (`mark.active`; other citations of the same answer in this document `mark.also`).
    `names` maps doc_id → document metadata (for "also reported by")."""
    title = doc.get("title") or doc.get("doc_id")
    url = safe_url(doc.get("url"))
    link = (f"<a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>{esc(url)}</a>" if url
            else "<span class='muted'>no link given</span>")
    also = [d for d in dict.fromkeys(citation.get("also_in") or []) if d != doc.get("doc_id")]
    also_html = "; ".join(_also(d, names.get(d) or {}) for d in also)
    body, ok = _marked(doc.get("text") or "", citation, siblings)
    stale = "" if ok else ("<div class='warnings' role='note'><strong>Warning</strong><ul><li>This document changed "
                           "since the answer was given: the quoted passage is no longer in it.</li></ul></div>")
    return (f"<article class='source' aria-label='Source of citation {int(citation['id'])}' "
            f"data-rid='{esc(rid or '')}' data-cite='{int(citation['id'])}'>{back_button(rid, citation['id'])}"
            f"<p class='source-for'>Citation [{int(citation['id'])}]</p>"
            f"<h3 class='source-title'>{esc(title)}</h3>"
            f"<dl class='source-meta'><dt>Publisher</dt><dd class='publisher'>{esc(doc.get('publisher') or '—')}</dd>"
            f"<dt>Published</dt><dd class='published'>{esc(date_of(doc.get('published')))}</dd>"
            f"<dt>Link</dt><dd>{link}</dd>"
            f"<dt>Also reported by</dt><dd class='also-in'>{also_html or '<span class=muted>no other source carries this passage</span>'}</dd>"
            f"<dt>Quoted</dt><dd>characters {int(citation['start'])}–{int(citation['end'])} of the cleaned text"
            f"</dd></dl>{stale}<div class='source-text' role='region' tabindex='0' aria-label='Full cleaned text'>{body}</div>"
            f"</article>")


def _also(doc_id: str, meta: dict) -> str:
    """A syndicated copy: publisher, title and date when the index knows them, else its id."""
    parts = [p for p in (meta.get("publisher"), meta.get("title")) if p] or [doc_id]
    return f"{esc(' — '.join(parts))} <span class='muted'>({esc(date_of(meta.get('published')))})</span>"


def panel_error(message: str, back: tuple[str, int] | None = None) -> str:
    """An error in a panel; `back` = (rid, cite) when it stands for a citation's source (with "Back to answer")."""
    if back:
        return (f"<div class='answer failed source-error' role='alert'>{back_button(*back)}<p>{esc(message)}</p>"
                f"</div>")
    return f"<div class='answer failed' role='alert'><p>{esc(message)}</p></div>"
