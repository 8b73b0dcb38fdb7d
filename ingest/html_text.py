"""HTML pages: trafilatura's main text and metadata, and the blocks it left out listed as `Dropped` with a reason.

trafilatura does not say what it discarded, so the page's own text blocks (paragraphs, list items, headings, cells,
and the inline text between them) are compared with the extracted text word by word: a block whose words are not in
the extract was dropped. Its reason comes from the boilerplate pattern families (`ingest.boilerplate`), else from
the page landmark around it (`<nav>`, `<footer>`, `<aside>`, class or id such as "cookie", "share", "related").
"""

from __future__ import annotations

import re

from ingest.boilerplate import pattern_reason, wordset
from ingest.charset import decode_text
from ingest.models import Dropped, Parsed
from ingest.sources_manifest import iso_date, meta_from_mapping
from kernel.errors import InputError

_BLOCK = wordset("""p li h1 h2 h3 h4 h5 h6 td th dt dd figcaption blockquote pre caption div section article header
footer nav aside form ul ol dl table tr thead tbody tfoot main address summary details figure fieldset legend label
button option select menu br hr""")
_SKIP = wordset("script style noscript template svg head iframe object embed canvas math")
_LANDMARK = {"nav": "navigation menu", "header": "page header", "footer": "page footer", "aside": "sidebar",
             "form": "form", "menu": "navigation menu"}
_HINTS = [(re.compile(p, re.IGNORECASE), reason) for p, reason in (
    (r"cookie|consent|gdpr", "cookie banner"), (r"(^|[-_ ])(ads?|advert\w*|sponsor\w*|promo\w*)($|[-_ ])", "advertisement"),
    (r"share|social", "share widget"), (r"related|recommend|more-stories|read-more", "related links"),
    (r"newsletter|subscribe|signup", "newsletter box"), (r"comment|reply|respond", "comment form"),
    (r"(^|[-_ ])(nav|menu|breadcrumb)", "navigation menu"), (r"footer", "page footer"), (r"sidebar|widget", "sidebar"),
    (r"banner|popup|modal", "banner"))]
_WORDS = re.compile(r"\w+", re.UNICODE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
MAX_DROPPED = 200
_MAX_TEXT = 300


def _decode(data: bytes) -> tuple[str, str]:
    """The page as text and its encoding: a BOM or valid UTF-8 first, else the charset the page declares in a
    `<meta>` tag, else detection (`ingest.charset`)."""
    import codecs

    m = _META_CHARSET.search(data[:4096])
    if m and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                codec = codecs.lookup(m.group(1).decode("ascii")).name
                return data.decode(codec).replace("\r\n", "\n"), codec
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(data)


def read_html(data: bytes) -> tuple[list[Parsed], list[str]]:
    """An HTML page: trafilatura's main text (recall-leaning, tables kept, no comments), page metadata, and the
    blocks it dropped (`Parsed.dropped`). InputError for a page with no article text."""
    import trafilatura

    content, encoding = _decode(data)
    try:
        doc = trafilatura.bare_extraction(
            content, with_metadata=True, favor_recall=True, include_comments=False, include_tables=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except (ValueError, TypeError, LookupError) as e:
        raise InputError(f"unreadable HTML ({type(e).__name__}: {e})") from None
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError("no article text found in HTML")
    tree = _tree(content)
    meta = meta_from_mapping({
        "title": doc.title, "author": doc.author, "published": iso_date(doc.date),
        "publisher": doc.sitename, "url": doc.url, "language": _lang(tree) or doc.language,
    })
    dropped = dropped_blocks(tree, text, doc.title) if tree is not None else ()
    return [Parsed(text, meta, encoding=encoding, dropped=dropped)], []


def _tree(content: str):
    from trafilatura.utils import load_html

    return load_html(content)


def _lang(tree) -> str | None:
    """The primary language subtag of `<html lang=...>`, if any."""
    lang = (tree.get("lang") or "") if tree is not None else ""
    return lang.split("-")[0].strip().lower() or None


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _context_reason(ancestors: list) -> str | None:
    """The reason a class/id hint or a landmark around a block gives, nearest element first."""
    for el in reversed(ancestors):
        hint = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}".strip()
        if "navigation" in hint.lower():
            return "navigation menu"
        for pat, reason in _HINTS:
            if hint and pat.search(hint):
                return reason
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _LANDMARK:
            return _LANDMARK[tag]
    return None


def _blocks(tree) -> list[tuple[str, list]]:
    """The page's text blocks in document order, each with its ancestor elements (for the reason)."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    out: list[tuple[str, list]] = []
    cur: list[str] = []
    where: list[list] = [[]]

    def flush(ancestors: list) -> None:
        text = " ".join(" ".join(cur).split())
        cur.clear()
        if text:
            out.append((text, list(where[0] or ancestors)))
        where[0] = []

    def walk(el, ancestors: list) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag:
            return
        block = tag in _BLOCK
        if block:
            flush(ancestors)
        here = [*ancestors, el]
        if el.text and el.text.strip():
            if not cur:
                where[0] = here
            cur.append(el.text)
        for child in el:
            walk(child, here)
            if child.tail and child.tail.strip():
                if not cur:
                    where[0] = here
                cur.append(child.tail)
        if block:
            flush(here)

    walk(root, [])
    flush([])
    return out


def dropped_blocks(tree, extracted: str, title: str | None = None) -> tuple[Dropped, ...]:
    """The page's text blocks whose words are not in `extracted` (nor the title), consecutive blocks with one
    reason merged (" · "), each text at most 300 characters, at most `MAX_DROPPED` entries."""
    kept = f" {_norm(extracted)} "
    skip = {_norm(title)} if title else set()
    out: list[Dropped] = []
    for text, ancestors in _blocks(tree):
        key = _norm(text)
        if not key or key in skip or f" {key} " in kept:
            continue
        reason = pattern_reason(text) or _context_reason(ancestors) or "not the main text"
        if out and out[-1].reason == reason and len(out[-1].text) < _MAX_TEXT:
            out[-1] = Dropped(reason, _cut(f"{out[-1].text} · {text}"))
        elif len(out) < MAX_DROPPED:
            out.append(Dropped(reason, _cut(text)))
    return tuple(out)


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT - 1].rstrip() + "…"
