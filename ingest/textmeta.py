"""Metadata found in an article's own text: the headline, the byline and the publication date."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from babel.dates import get_month_names
from dateutil import parser as dateparser

from ingest.boilerplate import Unit, split_units, wordset
from ingest.models import DocMeta

_I = re.IGNORECASE
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
       r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?"
_LOCALES = ("fr", "de", "es", "it", "pt", "nl")
"""Languages whose written dates count ("Publi\u00e9 le 2 juin 2025"): those staff receive notices in."""


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _month_numbers() -> dict[str, int]:
    """Month name (lower case, with and without accents, abbreviations without their dot) -> 1..12, from CLDR's wide
    and abbreviated month names (babel) in `_LOCALES`. No name means two months in these languages (checked here)."""
    table: dict[str, int] = {}
    for loc in _LOCALES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=loc).items():
                name = name.lower().rstrip(".")
                for form in {name, _fold(name)}:
                    if table.setdefault(form, number) != number:
                        raise AssertionError(f"month name {form!r} is two months")
    return table


_MONTHS = _month_numbers()
_FOREIGN_PREFIX = (r"(?:publi\u00e9e?|publiee?|mis \u00e0 jour|mis a jour|mis en ligne|date de publication|"
                   r"ver\u00f6ffentlicht|aktualisiert|erschienen|stand|datum|publicad[oa]|actualizad[oa]|"
                   r"fecha(?: de publicaci[o\u00f3]n)?|pubblicat[oa]|aggiornat[oa]|data(?: di pubblicazione)?|"
                   r"gepubliceerd|bijgewerkt)\b")
"""How a dateline starts in French, German, Spanish, Italian, Dutch ("Publi\u00e9 le", "Ver\u00f6ffentlicht am", "Fecha:")."""
_DATES = [  # where a date is written (found by these, in this order); `date` is the span python-dateutil reads
    re.compile(rf"(?:{_WEEKDAY}\s+)?\b(?P<date>{_MON}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)\b", _I),
    re.compile(rf"(?:{_WEEKDAY}\s+)?\b(?P<date>\d{{1,2}}(?:st|nd|rd|th)?\s+{_MON},?\s+(?:19|20)\d\d)\b", _I),
    re.compile(r"(?<!\d)(?P<date>(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2})(?!\d)"),
    # day, month name, year in `_LOCALES`: "2 juin 2025", "1er f\u00e9vrier 2026", "3. M\u00e4rz 2025", "14 de mayo de 2025"
    re.compile(r"(?<![\w.])(?P<day>\d{1,2})(?:er|\.)?\s+(?:de\s+)?(?P<month>"
               + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
               + r")\.?(?!\w)\s+(?:de\s+)?(?P<year>(?:19|20)\d\d)(?!\d)", _I),
    # day-first numbers after a dateline's words in those languages ("Ver\u00f6ffentlicht am 03.03.2025", "Publi\u00e9 le
    # 03/03/2025", "Fecha: 3-3-2025"); alone ("14.05.2025", an English "03/04/2025") they are left unread
    re.compile(rf"^{_FOREIGN_PREFIX}\D{{0,30}}?(?<!\d)(?P<day>\d{{1,2}})(?P<sep>[./-])\s?(?P<mon>\d{{1,2}})(?P=sep)\s?"
               r"(?P<year>(?:19|20)\d\d)(?!\d)", _I),
]
_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*(?:gmt|utc|[a-z]{1,3}t)\b)?(?:\s*[+-]\d\d:?\d\d)?", _I)
_DATE_PREFIX = re.compile(r"^(?:(?:first |last )?(?:published|updated|posted|modified|date|released)\b(?: on)?"
                          rf"|{_FOREIGN_PREFIX})", _I)
_BYLINE = re.compile(r"^(?:(?:by|written by|words by|reporting by|story by|posted by|author)\s*[:|-]?\s*)+", _I)
_NAME_TAIL = re.compile(r"(?:\s*[,|·•]|\s+[–—-]\s|\s+(?:for|in|on|updated|published)\b).*$", _I)
_NAME_WORD = re.compile(r"^(?:[A-Z]['’]?[A-Z]?[a-z]+(?:[-'’][A-Za-z][a-z]+)*|[A-Z]\.(?:[A-Z]\.)?|Ma?c[A-Z][a-z]+)$")
_CONNECTORS = wordset("and & de da di van von der bin al la le du")
_NOT_NAMES = wordset(
    "the a an this that these those our your my his her its their we you he she they it is are was were be to of in "
    "on for with at from as by or but not no all more new how what why when where who which read see also here there "
    "now today yes please enter leave stay connected click get join sign free "
    "summary introduction overview abstract contents background key findings conclusion conclusions news home menu "
    "update updates live latest related share follow subscribe search trends advertisement sponsored editorial opinion "
    "analysis breaking top stories video photos world business markets technology tech sports"
)
_MONTH_WORDS = wordset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday"
)
_SUFFIX_SEPS = (" | ", " – ", " — ", " - ", " :: ", " • ")
_SUBJECT = re.compile(r"^(?:subject|subj|re|betreff|objet|asunto|oggetto|assunto|onderwerp)\s*:\s*(?=\S)", _I)
"""A memo's subject field ("Subject: Q7 boards to Thailand"): when it is the headline, the title is its value."""
_MEMO_FIELD = re.compile(r"^(?:to|from|cc|bcc|date|attn|attention|ref|von|an|de|para|da|\u00e0)\s*:\s", _I)
"""A memo's other header fields ("From: Priya Raman, Compliance Lead"): never the headline."""
_SENDER = re.compile(r"^(?:\*\*|__)?(?:from|von|de|da)\s*:\s*(?:\*\*|__)?\s*", _I)


def parse_date(text: str, english_only: bool = False) -> str | None:
    """The first calendar date in `text` as ISO `YYYY-MM-DD` (month names or year-first numbers only): the spans
    `_DATES` finds, read by python-dateutil (English) or by `_MONTHS` (day, month name, year in French, German,
    Spanish, Italian, Portuguese, Dutch: "3. M\u00e4rz 2025", "3 sept. 2025"), and day-first numbers after a
    dateline's words in those languages ("Publi\u00e9 le 03/03/2025"), those not with `english_only`; one that is no
    real date ("2025/13/45", "31 juin 2025") is passed over."""
    for pat in _DATES[:3] if english_only else _DATES:
        for m in pat.finditer(text):
            try:
                if "day" in pat.groupindex:
                    month = _MONTHS[m["month"].lower()] if "month" in pat.groupindex else int(m["mon"])
                    return dt.date(int(m["year"]), month, int(m["day"])).isoformat()
                return dateparser.parse(m["date"]).date().isoformat()
            except (ValueError, OverflowError):
                continue
    return None


def is_date_line(text: str, english_only: bool = False) -> bool:
    """A dateline or timestamp: a short line that is mostly a date ("Published Wed, May 14, 2025 · 09:05 AM",
    "Publi\u00e9 le 2 juin 2025"; with `english_only`, only a date in English or in numbers counts)."""
    if len(text) > 120 or parse_date(text, english_only) is None:
        return False
    if _DATE_PREFIX.match(text):
        return True
    rest = text
    for pat in _DATES:
        rest = pat.sub(" ", rest)
    rest = _TIME.sub(" ", rest)
    return len(re.findall(r"[^\W\d_]{2,}\S*", rest)) <= 2


def byline_name(text: str) -> str | None:
    """The author named by a byline ("By:By Hannah Collymore" -> "Hannah Collymore"), else None."""
    m = _BYLINE.match(text)
    if not m or len(text) > 120:
        return None
    name = _NAME_TAIL.sub("", text[m.end():]).strip(" .:")
    return name if _is_name(name, 1, 6) else None


def sender_name(text: str) -> str | None:
    """The person a memo's "From:" field names ("From: Priya Raman, Compliance Lead" -> "Priya Raman"), else None."""
    m = _SENDER.match(text)
    if not m or len(text) > 120:
        return None
    name = re.split(r"\s*[,(|;]|\s+[–—-]\s", text[m.end():], maxsplit=1)[0].strip(" .*_")
    return name if _is_name(name, 2, 4) else None


def is_lone_name(text: str) -> bool:
    """A bare 2-3 word personal name line ("Zhao Chenchen"), as sites print under the headline."""
    return _is_name(text, 2, 3, connectors=False)


def _is_name(text: str, low: int, high: int, connectors: bool = True) -> bool:
    parts = text.replace(",", " ").split()
    if not low <= len(parts) <= high:
        return False
    for p in parts:
        if connectors and p.lower() in _CONNECTORS:
            continue
        if not _NAME_WORD.match(_fold(p)) or p.lower() in _NOT_NAMES or p.lower().rstrip(".") in _MONTH_WORDS:
            return False
    return True


def title_length(title: str) -> int:
    """Length of `title` without a trailing site name (" | AIM", " - Reuters")."""
    for sep in _SUFFIX_SEPS:
        cut = title.rfind(sep)
        if cut <= 0:
            continue
        site, head = title[cut + len(sep):].strip(), title[:cut].rstrip()
        site_words = site.split()
        if not site_words or len(site_words) > 4 or len(head.split()) < 3:
            continue
        if sep.strip() == "|" or all(w[0].isupper() or w[0].isdigit() for w in site_words):
            return len(head)
    return len(title)


_FIELD = re.compile(r"^(?:\*\*|__)?[A-Z][\w’'()/.&-]*(?: [\w’'()/.&-]+){0,4}(?::(?:\*\*|__)?|(?:\*\*|__):)\s+\S")
_NOT_PUBLICATION = re.compile(r"\b(?:valid|validity|until|expir\w*|deadline|due|effective|shipment|shipped|delivery|"
                              r"birth|meeting|hearing|event|renewal|review|next|start|end|version|g\u00fcltig|bis|"
                              r"valable|jusqu|v\u00e1lid[oa]|hasta|scadenza)\b", _I)
"""Words that make a dated line some other date than the document's own ("Valid until: 2026-06-30", "Expires
30 June 2026", "Shipment date: …", "Gültig bis …"): never the published date."""


def record_fields(units: list[Unit], run: int = 3) -> list[int]:
    """The indexes of the units that are fields of a record: `Label: value` lines (at most 200 characters) in a
    run of at least `run` consecutive ones (a licence record, a notice's header block). They are the document's
    content, never its page header, date line or headline."""
    out, current = [], []
    for i, u in enumerate(units + [None]):
        if u is not None and _FIELD.match(u.text) and len(u.text) <= 200:
            current.append(i)
            continue
        if len(current) >= run:
            out += current
        current = []
    return out


def is_publication_date_line(text: str) -> bool:
    """A dateline that gives the document's own date: `is_date_line`, and nothing before the date says it is a
    validity, expiry, deadline or event date ("Published 2 June 2025", "Date issued: 3 March 2025", "Date: …";
    not "Valid until: 2026-06-30")."""
    if not is_date_line(text):
        return False
    first = min((m.start() for pat in _DATES for m in [pat.search(text)] if m), default=len(text))
    return not _NOT_PUBLICATION.search(text[:first])


def _titleish(u: Unit) -> bool:
    text = u.text
    if u.reason or u.link_like or u.glue >= 2 or u.bullet or u.code or u.fence or not 1 <= u.words <= 40 \
            or len(text) > 300:
        return False
    if text.endswith((".", ":", ";", ",")) or is_date_line(text) or byline_name(text) or _MEMO_FIELD.match(text):
        return False
    first = text.lstrip("#‘'\"“[( ")[:1]
    return first.isupper() or first.isdigit()


def _body_next(units: list[Unit], i: int) -> bool:
    """The body starts at unit `i`, or after at most two datelines or bylines ("Published 3 March 2025")."""
    for u in units[i:i + 3]:
        if u.good:
            return True
        if not (is_date_line(u.text) or byline_name(u.text)):
            return False
    return False


def find_title(units: list[Unit]) -> int | None:
    """Index of the headline: the first title-like unit before the body starts (None if the body comes first). A
    headline under four words counts when it opens the text and the body follows it, after its dateline or byline
    if any ("Notice to exporters" / "Published 3 March 2025" / body), or a record's fields do ("Transit permit
    TP-88-0101" / "Permit number: …" / "Holder: …"), also past one line that says whose record it is
    ("CLASSIFICATION RECORD CR-2026-0112" / "Meridian Semiconductor Pte Ltd - Trade Compliance" / "Product: …");
    a record field is never the headline, but for a memo's "Subject:" field, which is the headline of a memo's header block ("MEMORANDUM" / "To: …" / "Subject: …")."""
    fields = set(record_fields(units[:40]))
    subject = any(_SUBJECT.match(units[j].text) for j in fields)  # a memo's header block: its Subject is the title
    for i, u in enumerate(units[:25]):
        # a record's field ("Holder: Alder Freight BV") is no headline, but for a memo's "Subject:"
        titleish = _titleish(u) and (i not in fields or bool(_SUBJECT.match(u.text)))
        if titleish and (u.words >= 4 or u.md_heading or
                         (i == 0 and (_body_next(units, 1) or (bool({1, 2} & fields) and not subject)))):
            return i
        if u.good and not titleish:
            return None
    return None


def opening_title(units: list[Unit]) -> bool:
    """Whether the first unit reads as the title of a text with no pages: a title-like line of two or more words
    ("Export screening checklist"), no record field, no widget or pattern signal."""
    return bool(units) and _titleish(units[0]) and units[0].words >= 2 and 0 not in record_fields(units[:40])


def meta_from_units(units: list[Unit], title_idx: int | None) -> DocMeta:
    """Title, author and date from the head of the document (up to its second body paragraph)."""
    title = author = published = None
    if title_idx is not None:
        t = _SUBJECT.sub("", units[title_idx].text)
        title = t[:title_length(t)].lstrip("# ").strip() or None
    seen_good = 0
    for i, u in enumerate(units[:40]):
        if u.good and i != title_idx:
            seen_good += 1
            if seen_good >= 2:
                break
            continue
        if published is None and is_publication_date_line(u.text):
            published = parse_date(u.text)
        if author is None:
            author = byline_name(u.text) or sender_name(u.text)
            if author is None and title_idx is not None and i == title_idx + 1 and is_lone_name(u.text):
                author = u.text
    return DocMeta(title=title, author=author, published=published)


def extract_meta(text: str) -> DocMeta:
    """Metadata found in raw article text: headline (without site suffix), byline author, publication date."""
    units = split_units(text)
    return meta_from_units(units, find_title(units))
