"""Word documents (.docx) with python-docx: paragraphs and tables in document order, title and author from the
document's core properties, and its `created` date as the published date of last resort.

python-docx (MIT) was chosen over mammoth because it exposes the core properties (title and author: what a citation
names) and tables as cells, and walks body paragraphs and tables in order; mammoth converts to HTML or raw text and
drops the properties. Headings become their own lines, list paragraphs start with "- ",
paragraphs are separated by a blank line, table rows become `| cell | cell |` lines, except a row whose first cell
is a label ending in a colon, which is that field's line ("To:" | "Sales team" -> "To: Sales team": memo templates
put their To/From/Date/Subject block in a table). Page headers and footers of
the Word file are not body text and are left out.

The core properties' `created` date is passed on as `Parsed.created`, not as the published date: a file made from a
template can carry the template's date, so `sources.csv` and a date written in the text win over it (cleaning uses it
only when neither gives one, and `ingest show` says so: `published_from: .docx created date`). python-docx's own
template date (2013-12-23 23:15 UTC, in every file python-docx makes without setting it) is not a date at all and is
ignored, as is its template author ("python-docx").
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ingest.models import DocMeta, Parsed
from kernel.errors import InputError

_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.UTC)  # python-docx's default template
_JUNK_META = {"untitled", "unknown", "none", "null", "administrator", "admin", "user", "owner", "microsoft office user",
              "python-docx"}  # the last: python-docx's template author, in every file it makes without setting one


def _value(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text if text and text.lower() not in _JUNK_META else None


def _created(value: object) -> str | None:
    """The core properties' `created` datetime as `YYYY-MM-DD`; None when missing or python-docx's template date."""
    if not isinstance(value, dt.datetime):
        return None
    when = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None if when == _TEMPLATE_CREATED else when.date().isoformat()


def _paragraph(p) -> str:
    text = " ".join(p.text.split())
    if not text:
        return ""
    style = (getattr(p.style, "name", "") or "").lower()
    if style.startswith("list") or p._p.pPr is not None and p._p.pPr.numPr is not None:
        return f"- {text}"
    return text


def _table(t) -> list[str]:
    rows = []
    for row in t.rows:
        cells: list[str] = []
        for cell in row.cells:  # a merged cell repeats across the columns it spans: print it once
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:
                cells.append(text)
        if len(cells) >= 2 and _is_label(cells[0]) and any(cells[1:]):
            rows.append(" ".join(c for c in cells if c))
        elif any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return rows


def _is_label(cell: str) -> bool:
    """A field label: a few words ending in a colon ("To:", "Date issued:")."""
    return cell.endswith(":") and 1 <= len(cell.split()) <= 4


def read_docx(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """A .docx file as one document (text, title/author/language metadata, `created` as `YYYY-MM-DD` or None);
    InputError for a file that is not a Word document or holds no text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise InputError(f"not a readable .docx file ({type(e).__name__})") from None
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            line = _paragraph(item)
            if line:
                blocks.append(line)
        elif isinstance(item, Table):
            rows = _table(item)
            if rows:
                blocks.append("\n".join(rows))
    text = "\n\n".join(blocks)
    if not text.strip():
        raise InputError("no text in the .docx file")
    props = document.core_properties
    meta = DocMeta(title=_value(props.title), author=_value(props.author),
                   language=(_value(props.language) or "").split("-")[0].lower() or None)
    return [Parsed(text + "\n", meta, created=_created(props.created))], []
