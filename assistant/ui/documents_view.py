"""HTML of the documents view: the table of indexed documents (a Read button each) and one document with its
metadata, what cleaning removed and why, its chunks and its cleaned text."""

from __future__ import annotations

from assistant.ui.markup import date_of, esc, safe_url


def documents_table(docs: list[dict]) -> str:
    """The indexed documents with a Read button each (`button.read`, `data-doc`)."""
    if not docs:
        return "<p class='muted'>No documents are indexed yet: run <code>python -m ingest</code>.</p>"
    rows = "".join(
        f"<tr><td>{esc(d.get('title') or d['doc_id'])}<div class='muted small'>{esc(d['doc_id'])}</div></td>"
        f"<td>{esc(d.get('publisher') or '—')}</td><td>{esc(date_of(d.get('published')))}</td>"
        f"<td class='num'>{esc(d.get('chunks'))}</td><td><button type='button' class='read' data-doc='{esc(d['doc_id'])}' "
        f"aria-label='Read {esc(d.get('title') or d['doc_id'])}'>Read</button></td></tr>" for d in docs)
    return ("<table class='docs'><caption>Indexed documents</caption><thead><tr><th scope='col'>Title</th>"
            "<th scope='col'>Publisher</th><th scope='col'>Published</th><th scope='col'>Chunks</th>"
            f"<th scope='col'><span class='sr-only'>Read</span></th></tr></thead><tbody>{rows}</tbody></table>")


def document_view(doc: dict) -> str:
    """One document: metadata, what cleaning removed and why, its chunks, and the cleaned text."""
    url = safe_url(doc.get("url"))
    removed = doc.get("removed") or []
    removed_html = "".join(
        f"<li>characters {int(r.get('raw_start', 0))}–{int(r.get('raw_end', 0))} of the source file "
        f"({int(r.get('raw_end', 0)) - int(r.get('raw_start', 0))} characters): <strong>{esc(r.get('reason'))}</strong>"
        f"</li>" for r in removed)
    chunks = "".join(
        f"<li>{int(c['start'])}–{int(c['end'])}{' · page ' + esc(c['page']) if c.get('page') else ''}"
        f"{' · also in ' + esc(', '.join(c['also_in'])) if c.get('also_in') else ''}</li>"
        for c in doc.get("chunks") or [])
    return (f"<article class='document' aria-label='Document {esc(doc.get('doc_id'))}'>"
            f"<h3>{esc(doc.get('title') or doc.get('doc_id'))}</h3>"
            f"<dl class='source-meta'><dt>Id</dt><dd><code>{esc(doc.get('doc_id'))}</code></dd>"
            f"<dt>Publisher</dt><dd>{esc(doc.get('publisher') or '—')}</dd>"
            f"<dt>Author</dt><dd>{esc(doc.get('author') or '—')}</dd>"
            f"<dt>Published</dt><dd>{esc(date_of(doc.get('published')))}</dd>"
            f"<dt>Link</dt><dd>{esc(url) if url else '—'}</dd>"
            f"<dt>Source file</dt><dd>{esc(doc.get('source'))} ({esc(doc.get('format'))})</dd>"
            f"<dt>Also reported by</dt><dd>{esc(', '.join(doc.get('also_in') or []) or 'none')}</dd></dl>"
            f"<h4>Removed by cleaning ({len(removed)})</h4>"
            + (f"<ul class='removed'>{removed_html}</ul>" if removed else "<p class='muted'>Nothing was removed.</p>")
            + f"<details><summary>Chunks ({len(doc.get('chunks') or [])}), by character offsets</summary>"
            f"<ul class='chunks'>{chunks}</ul></details>"
            f"<h4>Cleaned text</h4><div class='source-text doc-text' role='region' tabindex='0' "
            f"aria-label='Cleaned text of "
            f"{esc(doc.get('title') or doc.get('doc_id'))}'>{esc(doc.get('text'))}</div>"
            f"</article>")
