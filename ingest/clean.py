"""Cleaning: keep the article (headline and every body line), drop the page furniture around it.

The text is cut into units (lines; hard-wrapped PDF lines are rejoined). Each unit gets a verdict from
(a) pattern families in `ingest.boilerplate` (consent banners, share/comment widgets, related links, ads,
app banners, captions), (b) metadata lines found by `ingest.textmeta` (byline, dateline, repeated headline),
(c) structure: jusText-style "good" paragraphs mark the body; what comes before the headline is page header,
everything from a strong end-of-article marker ("You may also like", "LEAVE A REPLY", "Disclaimer:") on is
dropped, and after the last body paragraph only well-formed sentences survive; lines repeated in the page
are captions or chrome; and (d) with an `embed` function, suspicious units (promo or call-to-action lines,
teaser headlines, unpunctuated fragments) far from the body paragraphs are dropped as off-topic. Plain body
sentences are never judged by the embedding alone ("He declined to comment." embeds far from any article).
A text with no prose paragraph at all (a table, a list) is only cleaned by the rules of (a) and (b).
The cleaned text is only verbatim slices of the source joined by newlines (`Segment`s); every dropped unit
is a `Removal` with a short reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy

from ingest import textmeta
from ingest.boilerplate import (
    Unit,
    has_identifier,
    heading_markup,
    is_end_marker,
    is_heading_like,
    is_sentence_like,
    is_suspicious,
    normalized,
    split_units,
)
from ingest.models import CleanDoc, DocMeta, Removal, Segment, SourceDoc
from ingest.sources_manifest import front_matter
from ingest.textmeta import record_fields
from kernel.settings import CleanSettings

CLEANER_VERSION = "9"  # 2: code blocks and configuration lines kept; heading markup and code fences removed; 3: record fields kept;
# 4: datelines in French, German, Spanish, Italian, Portuguese and Dutch ("Publié le 2 juin 2025") give the published
# date (and stay in the text); a memo's "Subject: X" headline gives the title X; 5: a record field is never the headline,
# a short first line before a record's fields is; a validity, expiry or deadline date is no published date; a section
# heading after the last long paragraph is kept when it introduces kept prose (6); 7: a text file's short first line is
# its title, an identifier-bearing heading ("MEMO EC-2025-014") is no page header, a list under the headline is kept;
# day-first numeric and abbreviated-month dates in other languages; a memo's "From:" names its author; 8: a record's
# heading is its title past one line that says whose record it is; a line dating something other than the document
# ("Next meeting: 22 July 2026") is content, kept at the end of the text and never dropped as a dateline; 9: the rows
# of a Markdown table are content, one unit each; a heading over a block of record fields is kept

Embed = Callable[[Sequence[str]], numpy.ndarray]
_UNPAGED = frozenset({"txt", "md", "docx"})
"""Formats with no pages, hence no running page headers: a short first line there is the document's own heading."""
_CAPTION_WORDS = re.compile(r"\b(image|photo|picture|illustration|credit|file)\b|/\s?[a-z]{2,}$")


def clean(doc: SourceDoc, settings: CleanSettings | None = None, embed: Embed | None = None) -> CleanDoc:
    """The article in `doc.text` without boilerplate, mapped back to the source by segments."""
    settings = settings or CleanSettings()
    units = split_units(doc.text, doc.meta.language)
    if not units:
        return CleanDoc(doc=doc, text="", meta=doc.meta, segments=(), removed=())
    front = front_matter(doc.text)  # the same definition as Markdown reading's
    reasons: list[str | None] = [
        "front matter" if front and u.end <= front[1] else u.reason for u in units
    ]
    title = textmeta.find_title(units) if not front else _first_kept(units, reasons)
    unpaged = doc.fmt in _UNPAGED
    if title is None and not front and unpaged and textmeta.opening_title(units):
        title = 0  # a text file has no pages: its short first line is its title ("Export screening checklist")
    meta = textmeta.meta_from_units(units, title)
    _mark_lines(units, reasons, title)
    _mark_repeats(units, reasons, title)
    _mark_structure(units, reasons, title, unpaged)
    if embed is not None and settings.offtopic:
        _mark_offtopic(units, reasons, title, embed, settings.offtopic_threshold)
    _keep_content(units, reasons)
    text, segments, removed = _assemble(doc.text, units, reasons, title)
    return CleanDoc(doc=doc, text=text, meta=_completed(doc, meta), segments=segments, removed=removed)


_TABLE_DELIMITER = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")
_STRUCTURE = frozenset({"page header", "page furniture", "trailing boilerplate"})


def _keep_content(units: list[Unit], reasons: list[str | None]) -> None:
    """Restore what the structure rules took for furniture but is content: code and configuration lines (fences
    are markup); the rows of a Markdown table (its delimiter row "|---|---|" is markup); a record's fields
    ("Licence number: EL-2025-0002", "Holder: …") and the heading over a block of them ("CORRECTION ENTRY 1",
    "Change 1 - Named personnel"), which says what the fields below it are about."""
    for i, u in enumerate(units):
        if reasons[i] == "front matter":
            continue
        if u.code or u.fence:
            reasons[i] = "code fence" if u.fence else None
        elif u.table and u.reason is None:
            reasons[i] = "table markup" if _TABLE_DELIMITER.match(u.text) else None
    fields = record_fields(units)
    for i in fields:
        if reasons[i] != "front matter" and units[i].reason is None:
            reasons[i] = None
    for i in {f - 1 for f in fields} - set(fields):
        if i >= 0 and reasons[i] in _STRUCTURE and units[i].reason is None and is_heading_like(units[i]):
            reasons[i] = None


_CREATED_FROM = {"docx": ".docx created date", "pdf": "PDF creation date"}


def _completed(doc: SourceDoc, found: DocMeta) -> DocMeta:
    """The loader's metadata completed with what the text says (`found`); with no date from either, the date the
    file says it was created (`doc.created`: a .docx's core properties, a PDF's /CreationDate). `published_from`
    names the date's source (".docx created date", "PDF creation date")."""
    meta = doc.meta.filled_from(found)
    if doc.meta.published is None and meta.published is not None:
        return replace(meta, published_from="text")
    if meta.published is None and doc.created:
        return replace(meta, published=doc.created,
                       published_from=_CREATED_FROM.get(doc.fmt, "file created date"))
    return meta


def _first_kept(units: list[Unit], reasons: list[str | None]) -> int | None:
    rest = [i for i, r in enumerate(reasons) if r is None]
    if not rest:
        return None
    sub = textmeta.find_title(units[rest[0]:])
    return None if sub is None else rest[0] + sub


def _mark_lines(units: list[Unit], reasons: list[str | None], title: int | None) -> None:
    """Metadata and chrome lines: datelines, bylines, glued menus, link lists."""
    for i, u in enumerate(units):
        if reasons[i] or i == title or u.good:
            continue
        if textmeta.is_date_line(u.text, english_only=True) and textmeta.is_publication_date_line(u.text):
            # "Publié le 2 juin 2025" gives the date and stays in the text: answers quote it (compliance_docs
            # `na-french-question`); a line that dates something else ("Next meeting: 22 July 2026", "Deadline: …")
            reasons[i] = "date line"  # is content and stays too
        elif textmeta.byline_name(u.text) or (title is not None and i == title + 1 and textmeta.is_lone_name(u.text)):
            reasons[i] = "byline"
        elif (u.glue >= 2 and (len(u.text) < 200 or u.glue * 15 > u.words)) or (u.glue and u.words <= 2):
            reasons[i] = "navigation menu"
        elif u.link_like:
            reasons[i] = "link list"


def _mark_repeats(units: list[Unit], reasons: list[str | None], title: int | None) -> None:
    """Repeated headline copies, repeated captions and chrome; later copies of repeated paragraphs."""
    keys = [normalized(u.text) for u in units]
    counts = Counter(keys)
    title_key = keys[title] if title is not None else None
    head = next((i for i, u in enumerate(units) if u.good), len(units))  # the document's head: before its body
    seen: set[str] = set()
    for i, u in enumerate(units):
        key = keys[i]
        if i == title:
            seen.add(key)
            continue
        if key == title_key:
            reasons[i] = "duplicate headline"
        elif counts[key] > 1 and len(key) > 1:
            if u.good or is_sentence_like(u):
                if key in seen:  # a paragraph printed twice: keep the first copy
                    reasons[i] = reasons[i] or "duplicate paragraph"
            elif reasons[i] == "image caption" or _CAPTION_WORDS.search(key):
                reasons[i] = "repeated caption"
            elif not (key not in seen and i < head and _document_heading(u)):  # a revision's heading: first copy kept
                reasons[i] = reasons[i] or "repeated line"  # chrome printed on every page or block: running headers
        seen.add(key)


def _body_chars(units: list[Unit], idx: list[int]) -> int:
    return sum(len(units[i].text) for i in idx)


def _document_heading(u: Unit, first: bool = False) -> bool:
    """A heading that names the document itself: one carrying an identifier ("MEMO EC-2025-014 (Revision 1)"), or
    (`first`) the opening line of a text with no pages. Never page header, even before the headline."""
    return is_heading_like(u) and (first or has_identifier(u.text))


def _mark_structure(units: list[Unit], reasons: list[str | None], title: int | None, unpaged: bool = False) -> None:
    """Header before the headline, end-of-article tail, and short non-prose lines around the body."""
    n = len(units)
    good = [i for i, u in enumerate(units) if u.good and reasons[i] is None and i != title]
    if not good:  # no prose to anchor on (a table, a list, a fragment): only the rules above apply
        return
    end = n
    for i in range(good[0] + 1, n):
        if is_end_marker(units[i].text):
            before = _body_chars(units, [g for g in good if g < i])
            if before >= _body_chars(units, [g for g in good if g > i]):
                end = i
                break
    for i in range(end, n):
        reasons[i] = reasons[i] or "trailing boilerplate"
    good = [g for g in good if g < end]
    first, last = good[0], good[-1]
    for i in range(first):
        u = units[i]
        if reasons[i] or i == title or _document_heading(u, first=unpaged and i == 0):
            continue
        if title is not None and i < title:
            prev = i - 1
            same = prev >= 0 and units[prev].group == u.group and reasons[prev] not in (None, "front matter")
            reasons[i] = reasons[prev] if same else "page header"
        elif not (is_sentence_like(u) or (is_heading_like(u) and (i == first - 1 or u.words >= 5))
                  or (u.bullet and title is not None)):  # a list under the headline ("1. Check the consignee.")
            reasons[i] = "page header"
    for i in range(first + 1, last):
        u = units[i]
        if reasons[i] is None and not (
            u.good or is_sentence_like(u) or u.bullet or u.md_heading or (u.words >= 4 and u.stop_density >= 0.2)
            or (is_heading_like(u) and _introduces_text(units, reasons, i))
        ):
            reasons[i] = "page furniture"
    for i in range(last + 1, end):  # a section heading over a short last section ("Training") is kept, and so is a
        # line that dates something other than the document ("Next meeting: 22 July 2026", the minutes' last line)
        if reasons[i] is None and not (is_sentence_like(units[i]) or _dates_an_event(units[i].text) or
                                       (is_heading_like(units[i]) and _introduces_text(units, reasons, i))):
            reasons[i] = "trailing boilerplate"


def _dates_an_event(text: str) -> bool:
    return textmeta.is_date_line(text) and not textmeta.is_publication_date_line(text)


def _introduces_text(units: list[Unit], reasons: list[str | None], i: int) -> bool:
    """Whether the heading-like unit `i` is a section heading rather than a label in a block of chrome.

    A heading stands apart from dropped lines of its own block, and the next kept unit is prose or a list.
    """
    group = units[i].group
    if any(0 <= j < len(units) and units[j].group == group and reasons[j] for j in (i - 1, i + 1)):
        return False
    nxt = next((units[j] for j in range(i + 1, len(units)) if reasons[j] is None), None)
    return nxt is not None and (nxt.good or nxt.bullet or is_sentence_like(nxt))


def _mark_offtopic(units: list[Unit], reasons: list[str | None], title: int | None, embed: Embed,
                   threshold: float) -> None:
    """Drop suspicious kept units (promo, teaser, fragment) that are far from every body paragraph.

    Similarity is the larger of the cosine to the body centroid and to the nearest body paragraph, so a
    line on a side topic of the article survives; long well-formed paragraphs are never candidates.
    """
    kept = [i for i in range(len(units)) if reasons[i] is None and i != title and not units[i].code]
    candidates = [i for i in kept if is_suspicious(units[i])]
    suspicious = set(candidates)
    body = [i for i in kept if units[i].good and i not in suspicious]
    if len(body) < 2 or not candidates:
        return
    vecs = numpy.asarray(embed([units[i].text for i in body + candidates]), dtype=numpy.float32)
    body_vecs, cand_vecs = vecs[: len(body)], vecs[len(body):]
    centroid = body_vecs.mean(axis=0)
    centroid /= numpy.linalg.norm(centroid) or 1.0
    sims = numpy.maximum(cand_vecs @ centroid, (cand_vecs @ body_vecs.T).max(axis=1))
    for i, sim in zip(candidates, sims, strict=True):
        if float(sim) < threshold:
            reasons[i] = "off-topic"


def _assemble(
    raw: str, units: list[Unit], reasons: list[str | None], title: int | None
) -> tuple[str, tuple[Segment, ...], tuple[Removal, ...]]:
    pieces: list[tuple[int, int, int]] = []  # raw start, raw end, index of the unit
    removed: list[Removal] = []
    for i, u in enumerate(units):
        if reasons[i] is not None:
            last = removed[-1] if removed else None
            if last and last.reason == reasons[i] and not (pieces and pieces[-1][1] > last.raw_end):
                removed[-1] = Removal(last.raw_start, u.end, last.reason)
            else:
                removed.append(Removal(u.start, u.end, reasons[i]))
            continue
        start, end = u.start, u.end
        if u.md_heading:  # "## Heading ##": the text is "Heading"
            lead, trail = heading_markup(u.text)
            if lead:
                removed.append(Removal(u.start, u.start + lead, "heading markup"))
                start = u.start + lead
            if trail and raw[u.end - trail:u.end].strip():
                removed.append(Removal(u.end - trail, u.end, "heading markup"))
                end = u.end - trail
        if i == title:
            cut = start + textmeta.title_length(raw[start:end])
            if cut < end:
                removed.append(Removal(cut + (len(raw[cut:end]) - len(raw[cut:end].lstrip())), end, "site name"))
                end = cut
        pieces.append((start, end, i))
    parts: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for k, (start, end, i) in enumerate(pieces):
        if k:
            pstart, pend, pi = pieces[k - 1]
            gap = raw[pend:start]
            broken = pi == title or pend < units[pi].end or gap.count("\n") > 1
            sep = "\n\n" if broken or any(reasons[j] for j in range(pi + 1, i)) else "\n"
            if gap == sep:
                s = segments[-1]
                segments[-1] = Segment(s.clean_start, s.raw_start, s.length + len(sep) + end - start)
                parts.append(raw[pend:end])
                pos += len(sep) + end - start
                continue
            parts.append(sep)
            pos += len(sep)
        segments.append(Segment(pos, start, end - start))
        parts.append(raw[start:end])
        pos += end - start
    return "".join(parts), tuple(segments), tuple(sorted(removed, key=lambda r: r.raw_start))
