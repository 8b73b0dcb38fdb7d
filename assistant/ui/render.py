"""HTML for the chat UI: the conversation, the source panel, the documents view.

Everything that comes from a document, a question or an answer is escaped here (`esc`) before it is put into HTML,
so markup inside an article (`<script>`, `<img onerror=…>`) is shown as text and never runs. The only markup is
what this module writes: citation chips (`button.chip`, with `data-rid` / `data-cite` and an accessible label), rating
buttons (`button.rate`) and `<mark>` around cited spans. Links are kept only for http(s) URLs.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlparse

MARKER = re.compile(r"\[(\d+)\]")
# a run of markers with the word before it (up to 24 characters) and the punctuation after it: kept on one line, so
# "…controls [1]." never wraps between the word and its chip or between the chip and its full stop
CITE_RUN = re.compile(r"(?P<lead>[^\s\[\]]{1,24}[ \t]+)?(?P<marks>\[\d+\](?:[ \t]*\[\d+\])*)(?P<tail>[^\s\w\[]{0,3})")
ABSTAIN_LABEL = "The documents do not say"
NO_ANSWER_LABEL = "No answer found"
LANGUAGE = re.compile(r"^No passage matched this question in (?P<language>[^:.]{1,40})[:.]")
# the first things Tab reaches: hidden until focused (ui.css), handled by `style.SKIP_JS`
SKIP_LINKS = ("<nav class='skip-links' aria-label='Skip links'>"
              "<a class='skip-link' href='#conversation' data-to='answer'>Skip to the latest answer</a>"
              "<a class='skip-link' href='#question' data-to='question'>Skip to the question box</a></nav>")
EMPTY_PANEL = ("<div class='source-empty'><p>Click a citation such as <span class='chip-sample'>[1]</span> in an "
               "answer to read its source here, with the quoted passage highlighted.</p></div>")


def esc(value: object) -> str:
    """Text → HTML text (quotes escaped too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def date_of(value: str | None) -> str:
    return value or "date not given"


def source_name(c: dict) -> str:
    """How a citation's source is named: publisher, else title, else document id."""
    return c.get("publisher") or c.get("title") or c.get("doc_id") or "source"


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None (no `javascript:` or `data:` links from metadata)."""
    if not url:
        return None
    try:
        scheme = urlparse(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


# --- the conversation ------------------------------------------------------------------------------------------------

def chip(rid: str, c: dict) -> str:
    """A clickable `[n]` that opens citation n of answer `rid` in the source panel."""
    label = f"Source {c['id']}: {source_name(c)}, {date_of(c.get('published'))}. Open the quoted passage"
    return (f"<button type='button' class='chip' data-rid='{esc(rid)}' data-cite='{int(c['id'])}' "
            f"aria-label='{esc(label)}' title='{esc(label)}'>[{int(c['id'])}]</button>")


def _with_chips(text: str, rid: str, cites: dict[int, dict]) -> str:
    """Escaped text whose `[n]` markers (those with a citation) are chips; each run of chips is wrapped with the word
    before it and the punctuation after it in a `span.cite-run` that does not wrap."""
    def marks(part: str) -> str:
        return MARKER.sub(lambda m: chip(rid, cites[int(m.group(1))]) if int(m.group(1)) in cites
                          else esc(m.group(0)), part)

    out, pos = [], 0
    for m in CITE_RUN.finditer(text):
        if not any(int(n) in cites for n in MARKER.findall(m.group("marks"))):
            continue
        out.append(esc(text[pos:m.start()]))
        out.append(f"<span class='cite-run'>{esc(m.group('lead') or '')}{marks(m.group('marks'))}"
                   f"{esc(m.group('tail'))}</span>")
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def _answer_text(text: str, rid: str, cites: dict[int, dict]) -> str:
    """The answer's lines as paragraphs, `- ` lines as a list, markers as chips."""
    out, items = [], []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{_with_chips(line[2:], rid, cites)}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line.strip():
            out.append(f"<p>{_with_chips(line, rid, cites)}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def _source_line(rid: str, c: dict, quote: bool) -> str:
    """A source of the answer: chip, name (publisher, else title), date, and the title when the name is not it."""
    shown = c.get("publisher") and c.get("title") and c["title"] != c["publisher"]  # else the name is the title
    title = f" — {esc(c['title'])}" if shown else ""
    text = f"<blockquote>{esc(c.get('quote'))}</blockquote>" if quote else ""
    return (f"<li>{chip(rid, c)} <span class='src-name'>{esc(source_name(c))}</span>, "
            f"<span class='src-date'>{esc(date_of(c.get('published')))}</span>{title}{text}</li>")


def _comparisons(rid: str, answer: dict, cites: dict[int, dict]) -> str:
    """The answer's `comparisons` field (the API's, `assistant.api.compare`): each pair side by side, with dates."""
    found = [c for c in answer.get("comparisons") or []
             if isinstance(c, dict) and len(c.get("citations") or []) == 2 and all(n in cites for n in c["citations"])]
    if not found:
        return ""
    parts = []
    for comp in found:
        cards = "".join(
            f"<div class='compare-card'><div class='compare-head'>{chip(rid, cites[n])} "
            f"<strong>{esc(source_name(cites[n]))}</strong> · {esc(date_of(cites[n].get('published')))}</div>"
            f"<blockquote>{esc(cites[n].get('quote'))}</blockquote></div>" for n in comp["citations"])
        parts.append(f"<div class='compare-pair' data-kind='{esc(comp.get('kind'))}'>{cards}</div>"
                     f"<p class='compare-how'>{esc(comp.get('note'))}</p>")
    return ("<section class='compare' aria-label='Sources that word this differently'>"
            "<h4>Sources word this differently</h4>" + "".join(parts) + "</section>")


def _warnings(answer: dict) -> str:
    items = list(answer.get("warnings") or [])
    if answer.get("draft_replaced"):
        items.append("The draft shown while the LLM wrote was replaced by the verified answer below.")
    if not items:
        return ""
    return ("<div class='warnings' role='note' aria-label='Warnings'><strong>Warnings</strong><ul>"
            + "".join(f"<li>{esc(w)}</li>" for w in items) + "</ul></div>")


def abstain_label(answer: dict) -> str:
    """The badge of an abstained answer, true to why it abstained: "The documents do not say" when the answer says
    so, "Not found (question in Chinese)" when no passage matched a question in a language the index is not searched
    in (the documents may still say, in English), else "No answer found"."""
    text = str(answer.get("answer") or "")
    if text.startswith(ABSTAIN_LABEL):
        return ABSTAIN_LABEL
    m = LANGUAGE.match(text)
    if m:
        return f"Not found (question in {m.group('language').strip()})"
    return NO_ANSWER_LABEL


def _feedback(rid: str, n: int, fb: dict | None, error: str | None = None) -> str:
    """The rating buttons (a click opens a comment box under them, `style.CONVERSATION_JS`), or what was recorded."""
    if fb:
        word = "helpful" if fb.get("rating") == "up" else "not helpful"
        comment = f": “{esc(fb['comment'])}”" if fb.get("comment") else ""
        return f"<div class='feedback done' role='status'>Feedback recorded: {word}{comment}</div>"
    failed = f"<p class='feedback-error' role='alert'>{esc(error)}</p>" if error else ""
    return (f"<div class='feedback' data-rid='{esc(rid)}' data-n='{int(n)}'><span>Was this answer useful?</span> "
            f"<button type='button' class='rate' data-rid='{esc(rid)}' data-rating='up' "
            f"aria-label='Rate answer {n} as helpful'>▲ Helpful</button> "
            f"<button type='button' class='rate' data-rid='{esc(rid)}' data-rating='down' "
            f"aria-label='Rate answer {n} as not helpful'>▼ Not helpful</button></div>{failed}")


def answer_block(turn: dict, n: int) -> str:
    """One answer: its text with chips (or, abstained, the label and the related passages), comparisons, warnings,
    sources, request id and rating buttons; a pending, streaming or failed turn says so."""
    if turn.get("error"):
        return (f"<div class='answer failed' role='alert'><span class='badge'>Not answered</span>"
                f"<p>{esc(turn['error'])}</p></div>")
    data = turn.get("answer")
    if data is None:
        draft = turn.get("draft") or ""
        if draft:
            return (f"<div class='answer streaming' aria-busy='true'><span class='badge'>Draft, being verified"
                    f"…</span><p class='draft'>{esc(draft)}</p></div>")
        return ("<div class='answer pending' aria-busy='true'><p class='searching'>Searching the documents…</p>"
                "</div>")
    rid = data["request_id"]
    cites = {c["id"]: c for c in data.get("citations") or []}
    meta = (f"<div class='answer-meta'>request id <code>{esc(rid)}</code> · engine {esc(data.get('engine'))}"
            f"{' · newest document ' + esc(data['as_of']) if data.get('as_of') else ''}</div>")
    if data.get("abstained"):
        related = "".join(_source_line(rid, c, True) for c in cites.values())
        related = (f"<section class='related' aria-label='Related passages, not support'><h4>Related, not support"
                   f"</h4><p class='hint'>The closest passages found; they do not answer the question.</p>"
                   f"<ul>{related}</ul></section>") if related else ""
        return (f"<div class='answer abstained' data-rid='{esc(rid)}'><span class='badge abstain'>"
                f"{esc(abstain_label(data))}</span>{_answer_text(data.get('answer') or '', rid, {})}{_warnings(data)}"
                f"{related}{meta}{_feedback(rid, n, turn.get('feedback'), turn.get('feedback_error'))}</div>")
    sources = "".join(_source_line(rid, c, False) for c in cites.values())
    sources = f"<section class='sources'><h4>Sources</h4><ul>{sources}</ul></section>" if sources else ""
    return (f"<div class='answer' data-rid='{esc(rid)}'>{_answer_text(data.get('answer') or '', rid, cites)}"
            f"{_warnings(data)}{_comparisons(rid, data, cites)}{sources}{meta}"
            f"<p class='disclaimer'>This answer reports what the indexed documents say; it is not legal advice.</p>"
            f"{_feedback(rid, n, turn.get('feedback'), turn.get('feedback_error'))}</div>")


def conversation(turns: list[dict]) -> str:
    """The whole conversation, oldest first; an intro when it is empty."""
    if not turns:
        return ("<div class='intro'><p>Ask about the indexed documents. Every claim in an answer cites a verbatim "
                "passage: click its <span class='chip-sample'>[n]</span> to read it in its source. When the "
                f"documents do not say, the answer is labelled “{ABSTAIN_LABEL}”.</p></div>")
    out = []
    for n, turn in enumerate(turns, 1):
        out.append(f"<div class='turn' data-turn='{n}'><div class='question'><span class='who'>You</span>"
                   f"<p>{esc(turn['question'])}</p>{_filters_note(turn)}</div>{answer_block(turn, n)}</div>")
    return "".join(out)


def _filters_note(turn: dict) -> str:
    f = turn.get("filters") or {}
    parts = []
    if f.get("publisher"):
        parts.append("publisher " + ", ".join(f["publisher"]))
    if f.get("published_after"):
        parts.append(f"published from {f['published_after']}")
    if f.get("published_before"):
        parts.append(f"published until {f['published_before']}")
    return f"<p class='filters-note'>Filters: {esc('; '.join(parts))}</p>" if parts else ""


# --- the source panel ------------------------------------------------------------------------------------------------

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


def export_button(markdown: str | None) -> str:
    """"Export as Markdown": a link whose click downloads grounded-conversation.md, made in the browser from the
    text it carries (a data: URL; `style.EXPORT_JS` stamps the time of the click). Disabled while there is nothing."""
    if not markdown:
        return ("<button type='button' id='export' class='export-button' disabled "
                "title='Ask a question first'>Export as Markdown</button>")
    href = "data:text/markdown;charset=utf-8," + quote(markdown)
    return (f"<a id='export' class='export-button' role='button' download='grounded-conversation.md' "
            f"href='{esc(href)}' data-md='{esc(markdown)}'>Export as Markdown</a>")


# --- the documents view ----------------------------------------------------------------------------------------------

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


def status_line(status: dict, login_name: str | None = None) -> str:
    """The server's state in one line: loading, failed (with the reason) or the index's size and version."""
    who = f" · logged in as <strong>{esc(login_name)}</strong>" if login_name else ""
    if status["state"] == "loading":
        return f"<p class='status loading' role='status'>Loading the index and models… questions can be asked once ready.{who}</p>"
    if status["state"] != "ready":
        return (f"<p class='status failed' role='alert'>The index is unavailable: {esc(status.get('message'))}"
                f"{who}</p>")
    return (f"<p class='status ready' role='status'>{int(status['documents'])} documents · {int(status['chunks'])} "
            f"chunks · corpus version <code>{esc(status['corpus_version'])}</code>{who}</p>")
