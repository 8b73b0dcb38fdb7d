"""PDFs: text by a layout-aware extractor, running headers and footers removed, lines rebuilt into sentences.

1. pypdf opens the file (corrupt, encrypted and scanned PDFs are told apart; title and author from the info dict).
2. An extractor (`ingest.pdf_layout.EXTRACTORS`, chosen by `GROUNDED_INGEST__PDF_EXTRACTOR`) gives each page as
   blocks of lines in reading order; a layout-aware one reads a two-column page column by column.
3. Lines repeated at the top or bottom of many pages (digits ignored: "Bulletin 7 - page 2 of 3") and lone page
   numbers there are running headers and footers: they are left out and listed as `Dropped`, with their page.
4. Lines are rebuilt into paragraphs: a line that runs to the full width, or stops mid-sentence, is joined to the
   next with a space; a word hyphenated at a line end is rejoined ("regu-" + "lation": "regulation") unless the
   document spells it with the hyphen elsewhere. A sentence that runs over a column or page break is joined too.
   So a quote is a sentence, never one PDF line ("unlicensed shipment is up to" without "$300,000").
5. Each page's `[start, end)` in the text is kept (`Page`): pages joined mid-sentence are separated by a space,
   others by a blank line, and every offset maps to its own page.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import re
import unicodedata
import zlib
from collections import Counter
from contextlib import contextmanager

from ingest.boilerplate import has_identifier, wordset
from ingest.models import DocMeta, Dropped, Page, Parsed
from ingest.pdf_layout import EXTRACTORS, Blocks, short_error
from kernel.errors import InputError

PAGE_SEP = "\n\n"
_JUNK_PDF_META = {"untitled", "unknown", "none", "null", "anonymous", "administrator", "admin", "user", "owner"}
_JUNK_PDF_SUFFIXES = (".doc", ".docx", ".pdf", ".tex", ".dvi", ".ps", ".rtf", ".indd", ".qxd")
_TERMINAL = ".!?:;\"”’')]…»"
_FUNCTION_END = wordset("a an the of to in on for and or but with by at from as that is are was were be its their "
                        "this these those than under over per into onto via up")
_BULLET = re.compile(r"^(?:[-*•▪●◦■□➢–]\s*|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+|[ivx]{1,4}[.)]\s+)")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
_HYPHENATED = re.compile(r"(\w*[^\W\d_])-$")
_SUSPENDED = wordset("and or to nor und oder et ou")
_ZONE = 3  # lines at the top and at the bottom of a page that can be running headers or footers
_SHORT = 0.85  # a line shorter than this share of the page's usual line length ends its paragraph
_NUMBERED_HEADING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]{1,5}\.|[A-Z]\.|\d+\))\s+[A-Z]")

@contextmanager
def quiet_pdf_logs():
    """Keep pypdf's and pdfminer's own log lines ("EOF marker not found", "CropBox missing") off the terminal:
    they are collected and dropped; a PDF that cannot be read is reported with a one-line reason instead."""
    loggers = [logging.getLogger(name) for name in ("pypdf", "pdfminer", "pdfplumber", "pypdfium2")]
    saved = [(lg, lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    for lg in loggers:
        lg.handlers, lg.propagate = [logging.NullHandler()], False
    try:
        yield
    finally:
        for lg, level, propagate, handlers in saved:
            lg.setLevel(level)
            lg.propagate, lg.handlers = propagate, handlers


def _meta_value(value: object) -> str | None:
    """A PDF info string, or None when it is junk (placeholder, file name, symbol glyphs)."""
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if unicodedata.category(c) not in ("Co", "Cc", "Cf")).strip()
    if sum(c.isalnum() for c in text) < 2 or text.lower() in _JUNK_PDF_META:
        return None
    if text.lower().endswith(_JUNK_PDF_SUFFIXES) or text.lower().startswith("microsoft word -"):
        return None
    return text


def read_pdf(data: bytes, extractor: str = "pdfminer") -> tuple[list[Parsed], list[str]]:
    """A PDF as one document: reflowed text, a `Page` span per page, running headers/footers in `dropped`, title and
    author from the info dict; and a `page N: reason` per page whose text could not be extracted.

    `extractor` names one of `ingest.pdf_layout.EXTRACTORS` (the `GROUNDED_INGEST__PDF_EXTRACTOR` setting).
    Raises InputError for a file that is not a PDF, is corrupt, needs a password or has no text (a scan).
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise InputError("corrupt PDF: no %PDF header (not a PDF file?)")
    broken = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, zlib.error)
    with quiet_pdf_logs():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        raise InputError("encrypted PDF (needs a password)")
                except (FileNotDecryptedError, DependencyError, NotImplementedError) as e:
                    raise InputError(f"encrypted PDF (cannot decrypt: {e})") from None
            n_pages = len(reader.pages)
            info = reader.metadata or {}
        except broken as e:
            raise InputError(f"corrupt PDF: {short_error(e)}") from None
        if not n_pages:
            raise InputError("corrupt PDF: no pages")
        pages, problems = EXTRACTORS[extractor](data, reader)
    if not any(line.strip() for blocks in pages for block in blocks for line, _ in block):
        if problems and len(problems) == n_pages:
            raise InputError(f"corrupt PDF: {problems[0]}")
        raise InputError("no extractable text (scanned PDF?)")
    pages, dropped = drop_running_lines(pages)
    text, spans = reflow(pages)
    meta = DocMeta(title=_meta_value(info.get("/Title")), author=_meta_value(info.get("/Author")))
    return [Parsed(text, meta, tuple(spans), dropped=tuple(dropped), created=_created(info))], problems


_PLACEHOLDER_CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # reportlab's invariant=1 date: no date at all


def _created(info: object) -> str | None:
    """The info dict's /CreationDate as `YYYY-MM-DD`, the day as written in its own time zone
    ("D:20250905013000+02'00'" -> "2025-09-05"); None when it is missing, unparsable (pypdf raises ValueError) or
    reportlab's invariant placeholder 2000-01-01T00:00Z. The published date of last resort (see `ingest.clean`)."""
    try:
        when = getattr(info, "creation_date", None)
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(when, dt.datetime):
        return None
    if (when if when.tzinfo else when.replace(tzinfo=dt.UTC)) == _PLACEHOLDER_CREATED:
        return None
    return when.date().isoformat()


# ---------------------------------------------------------------------------- running headers and footers


def _key(line: str) -> str:
    """A line with its numbers and case ignored, to find the same running header on every page."""
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _zone_lines(blocks: Blocks) -> list[tuple[int, int, str]]:
    """(block, line, text) of the non-blank lines in reading order."""
    return [(b, i, line) for b, block in enumerate(blocks) for i, (line, _) in enumerate(block) if line.strip()]


def drop_running_lines(pages: list[Blocks]) -> tuple[list[Blocks], list[Dropped]]:
    """Pages without their running headers, footers and page numbers, and those lines as `Dropped` (with page).

    A header or footer is a line among the first or last three of a page that is at the top, resp. bottom, of at
    least two pages and 40% of them: the same text, or the same text but for its numbers when one of them is the
    page number ("Bulletin No. 7 - page 2 of 3"); so records that start alike ("Licence EL-2025-0001") stay. A line
    that is only a page number ("7", "Page 2 of 3", "- 4 -") is dropped there too. The first line of page 1, when it
    carries an identifier ("MEMO EC-2025-014 (Revision 1)" on every page), is the document's heading there: kept.
    """
    n = len(pages)
    counts = {"top": (Counter(), Counter()), "bottom": (Counter(), Counter())}  # by exact text, by text sans digits
    for blocks in pages:
        lines = _zone_lines(blocks)
        for side, zone in (("top", lines[:_ZONE]), ("bottom", lines[-_ZONE:])):
            counts[side][0].update({_norm(t) for _, _, t in zone})
            counts[side][1].update({_key(t) for _, _, t in zone})
    need = max(2, math.ceil(0.4 * n))
    out_pages: list[Blocks] = []
    dropped: list[Dropped] = []
    for number, blocks in enumerate(pages, 1):
        lines = _zone_lines(blocks)
        gone: set[tuple[int, int]] = set()
        for side, zone, reason in (("top", lines[:_ZONE], "running header"),
                                   ("bottom", list(reversed(lines[-_ZONE:])), "running footer")):
            exact, sans_digits = counts[side]
            for b, i, t in zone:  # from the page edge inwards, while lines are chrome
                if (b, i) in gone:
                    continue
                if number == 1 and side == "top" and (b, i) == lines[0][:2] and has_identifier(t):
                    break  # the document's own heading, where it first appears
                if n > 1 and _PAGE_NUMBER.match(t.strip()):
                    why = "page number"
                elif n > 1 and (exact[_norm(t)] >= need
                                or sans_digits[_key(t)] >= need and str(number) in re.findall(r"\d+", t)):
                    why = reason
                else:
                    break
                gone.add((b, i))
                dropped.append(Dropped(why, _norm(t), number))
        out_pages.append([[line for i, line in enumerate(block) if (b, i) not in gone]
                          for b, block in enumerate(blocks)])
    return out_pages, dropped


def _norm(line: str) -> str:
    return " ".join(line.split())


# ---------------------------------------------------------------------------- reflow


def _vocabulary(pages: list[Blocks]) -> tuple[set[str], set[str]]:
    """Lower-cased words of the document, and its hyphenated compounds, to decide how to rejoin a broken word."""
    words: set[str] = set()
    compounds: set[str] = set()
    for blocks in pages:
        for block in blocks:
            for line, _ in block:
                for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", line.lower()):
                    (compounds if "-" in w else words).add(w)
    return words, compounds


def _broken_word(prev: str, nxt: str, vocab: tuple[set[str], set[str]]) -> str | None:
    """How a word split at the end of `prev` by a hyphen is rejoined with `nxt`: "unhyphenate" for a hyphenation
    hyphen ("regu-" + "lation"), "keep" for a compound ("non-" + "English", or one the document writes with its
    hyphen elsewhere), "suspended" for a hyphen left hanging before a conjunction ("pre-" + "and post-export"),
    None when `prev` does not end with a hyphenated word part."""
    m = _HYPHENATED.search(prev)
    right = re.match(r"[^\W\d_]+", nxt)
    if not m or not right:
        return None
    left, right_word = m.group(1).lower(), right.group().lower()
    if right_word in _SUSPENDED:
        return "suspended"
    if not nxt[:1].islower():
        return "keep"
    words, compounds = vocab
    if f"{left}-{right_word}" in compounds and f"{left}{right_word}" not in words:
        return "keep"
    return "unhyphenate"


def _ends_sentence(line: str) -> bool:
    return line.rstrip()[-1:] in _TERMINAL


def _continues(prev: str, nxt: str, full: bool) -> bool:
    """Whether line `nxt` continues the paragraph of line `prev` (so they are joined by a space).

    A full-width line always runs on (unless the next is a list item); a short one only when it stops
    mid-sentence: after a comma, a hyphen or a function word, or before a lowercase word.
    """
    prev, nxt = prev.rstrip(), nxt.lstrip()
    if not prev or not nxt or _BULLET.match(nxt):
        return False
    if full and not _NUMBERED_HEADING.match(prev):
        return True
    if _heading_like(prev) and not nxt[0].islower():
        return False
    if _ends_sentence(prev):
        return False
    last = prev.rsplit(None, 1)[-1].lower()
    return nxt[0].islower() or prev[-1] in ",-–—(/&" or last in _FUNCTION_END


def _heading_like(line: str) -> bool:
    """A section heading: a numbered line ("1.2 Issues facing ...") or a short capitalised phrase without
    sentence punctuation."""
    words = line.split()
    if not words or len(words) > 14 or _ends_sentence(line) or line.endswith(","):
        return False
    if _NUMBERED_HEADING.match(line):
        return True
    long_words = [w for w in words if len(w) >= 4]
    return bool(long_words) and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)


def _usual_width(blocks: Blocks) -> float:
    """The page's usual line length in characters (80th percentile), its column width in effect."""
    lengths = sorted(len(line.strip()) for block in blocks for line, _ in block if line.strip())
    return float(lengths[int(0.8 * (len(lengths) - 1))]) if lengths else 0.0


def reflow(pages: list[Blocks]) -> tuple[str, list[Page]]:
    """The document text with paragraphs rebuilt (see the module docstring), and each page's `[start, end)`."""
    vocab = _vocabulary(pages)
    parts: list[str] = []
    spans: list[Page] = []
    pos = 0
    prev: str | None = None  # the last line written, to decide how the next one attaches
    prev_full = False
    for number, blocks in enumerate(pages, 1):
        width = _usual_width(blocks)
        start: int | None = None
        for block in blocks:
            first_of_block = True
            for raw, share in block:
                line = " ".join(raw.split())
                if not line:
                    continue
                broken = _broken_word(prev, line, vocab) if prev is not None else None
                if prev is None:
                    sep = ""
                elif broken == "unhyphenate":
                    parts[-1] = parts[-1][:-1]
                    pos -= 1
                    sep = ""
                    if start is None and spans:  # the hyphen ended the previous page
                        spans[-1] = Page(spans[-1].number, min(spans[-1].start, pos), min(spans[-1].end, pos))
                elif broken == "keep":
                    sep = ""
                elif broken == "suspended" or _continues(prev, line, prev_full and not first_of_block):
                    sep = " "
                else:
                    sep = "\n\n" if first_of_block else "\n"
                parts.append(sep)
                pos += len(sep)
                if start is None:
                    start = pos
                parts.append(line)
                pos += len(line)
                prev, first_of_block = line, False
                prev_full = share >= _SHORT if share is not None else width > 0 and len(line) >= _SHORT * width
        spans.append(Page(number, pos if start is None else start, pos))
    return "".join(parts), spans
