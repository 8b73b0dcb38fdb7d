"""HTML of the conversation: each question with its filters, each answer with its citation chips (`button.chip`,
`data-rid` / `data-cite`), the comparisons of sources that word a claim differently, warnings, sources, the abstention
badge and the rating buttons (`button.rate`)."""

from __future__ import annotations

import re

from assistant.ui.markup import date_of, esc, source_name

MARKER = re.compile(r"\[(\d+)\]")
# a run of markers with the word before it (up to 24 characters) and the punctuation after it: kept on one line, so
# "…controls [1]." never wraps between the word and its chip or between the chip and its full stop
CITE_RUN = re.compile(r"(?P<lead>[^\s\[\]]{1,24}[ \t]+)?(?P<marks>\[\d+\](?:[ \t]*\[\d+\])*)(?P<tail>[^\s\w\[]{0,3})")
ABSTAIN_LABEL = "The documents do not say"
NO_ANSWER_LABEL = "No answer found"
LANGUAGE = re.compile(r"^No passage matched this question in (?P<language>[^:.]{1,40})[:.]")


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
    """The answer's `comparisons` field (the API's, `assistant.api.compare`): each pair side by side, each side's
    source, date and wording as the field gives them (from the citations for an answer recorded without `sources`)."""
    found = [c for c in answer.get("comparisons") or []
             if isinstance(c, dict) and len(c.get("citations") or []) == 2 and all(n in cites for n in c["citations"])]
    if not found:
        return ""
    parts = []
    for comp in found:
        sides = comp.get("sources") or []
        if [s.get("citation") for s in sides if isinstance(s, dict)] != list(comp["citations"]):
            sides = [{"citation": n, "source": source_name(cites[n]), "published": cites[n].get("published"),
                      "wording": cites[n].get("quote")} for n in comp["citations"]]  # an answer recorded before
        cards = "".join(
            f"<div class='compare-card'><div class='compare-head'>{chip(rid, cites[s['citation']])} "
            f"<strong>{esc(s.get('source'))}</strong> · {esc(date_of(s.get('published')))}</div>"
            f"<blockquote>{esc(s.get('wording'))}</blockquote></div>" for s in sides)
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
    """The badge of an abstained answer, true to why it abstained (its `abstention` field; for an answer recorded
    before that field existed, its text): "The documents do not say", "Not found (question in Chinese)" when no
    passage matched a question in a language the index is not searched in (the documents may still say, in
    English), "No document matches the filters" when the filters admitted no document, else "No answer found"."""
    why = answer.get("abstention") or {}
    if why.get("reason") == "language" and why.get("name"):
        return f"Not found (question in {why['name']})"
    if why.get("reason") == "not_in_documents":
        return ABSTAIN_LABEL
    if why.get("reason") == "filters_match_nothing":
        return "No document matches the filters"
    text = str(answer.get("answer") or "")  # an answer recorded before `abstention` existed: read its words
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
