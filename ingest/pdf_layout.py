"""PDF text extractors: each gives every page as blocks of lines in reading order, for `ingest.pdf_text`.

Chosen by name (`GROUNDED_INGEST__PDF_EXTRACTOR`, checked by the settings); all were measured on the alexnet and solana benchmark PDFs and
on a two-column bulletin with a running header and footer (`python -m ingest.bench_pdf`; figures in the README of
the change). The default, `pdfminer`, is pdfminer.six's layout analysis (MIT): it groups characters into lines and
lines into text boxes, and orders the boxes of a multi-column page column by column.

- `pdfminer`: pdfminer.six `extract_pages` with `LAParams` (text boxes in reading order, made the same in every process
  by `ingest.pdfminer_stable`; one block per box; the text
  of figures drawn as vector graphics too, as pypdf reads it: on solana that lifted gold-page hit@1 from 0.621 to
  0.672).
- `pypdf`: pypdf's plain extraction (content-stream order; one block per blank-line-separated group).
- `pypdf-layout`: pypdf's layout mode (rows across the page, as printed).
- `pdfplumber`: pdfplumber's `extract_text` (rows by position, columns side by side).
- `pypdfium2`: PDFium's text page (content-stream order with PDFium's line breaks).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

Line = tuple[str, float | None]
"""A line's text and its width as a share of its column's (None when the extractor does not place lines)."""
Blocks = list[list[Line]]
Extractor = Callable[[bytes, object], tuple[list[Blocks], list[str]]]
DEFAULT = "pdfminer"


def short_error(e: BaseException) -> str:
    """A one-line description of a library exception, at most 120 characters (its message, else its type's name)."""
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."


def _groups(text: str) -> Blocks:
    """Lines of `text` grouped at blank lines."""
    blocks: Blocks = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            blocks[-1].append((line, None))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _broken() -> tuple[type[BaseException], ...]:
    from pypdf.errors import PyPdfError

    return PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, zlib.error


def _per_page(reader, read: Callable[[object], str]) -> tuple[list[Blocks], list[str]]:
    pages: list[Blocks] = []
    problems: list[str] = []
    for number, page in enumerate(reader.pages, 1):
        try:
            pages.append(_groups((read(page) or "").replace("\x00", "")))
        except _broken() as e:
            problems.append(f"page {number}: text not extractable ({short_error(e)})")
            pages.append([])
    return pages, problems


def pypdf_plain(data: bytes, reader) -> tuple[list[Blocks], list[str]]:
    """pypdf's default extraction."""
    return _per_page(reader, lambda page: page.extract_text())


def pypdf_layout(data: bytes, reader) -> tuple[list[Blocks], list[str]]:
    """pypdf's layout mode (text placed as on the page, rows across columns)."""
    return _per_page(reader, lambda page: page.extract_text(extraction_mode="layout"))


def pdfminer_boxes(data: bytes, reader) -> tuple[list[Blocks], list[str]]:
    """pdfminer.six layout analysis: one block per text box, boxes in its reading order (columns one by one).
    A file pdfminer cannot parse (pypdf, more lenient, opened it) is read with pypdf's plain extraction instead."""
    from pdfminer.layout import LAParams, LTFigure, LTTextBox, LTTextLine

    from ingest.pdfminer_stable import extract_pages

    n = len(reader.pages)
    pages: list[Blocks] = [[] for _ in range(n)]
    params = LAParams(line_margin=0.5, char_margin=2.0, word_margin=0.1, boxes_flow=0.5, detect_vertical=False,
                      all_texts=True)
    try:
        for i, layout in enumerate(extract_pages(data, params)):
            if i >= n:
                break
            blocks: Blocks = []
            stack = list(layout)[::-1]
            while stack:
                element = stack.pop()
                if isinstance(element, LTFigure):
                    stack.extend(list(element)[::-1])
                elif isinstance(element, LTTextBox):
                    rows = [r for r in element if isinstance(r, LTTextLine) and r.get_text().strip()]
                    width = max((r.x1 - r.x0 for r in rows), default=0.0)
                    lines = [(r.get_text().rstrip("\n").replace("\x00", ""),
                              (r.x1 - r.x0) / width if width > 0 and len(rows) > 1 else None) for r in rows]
                    if lines:
                        blocks.append(lines)
            pages[i] = blocks
    except Exception:  # noqa: BLE001 - pdfminer raises many types on damaged files: pypdf's text, which opened it
        return pypdf_plain(data, reader)
    return pages, []


def _require(module: str, package: str):
    """Import an optional extractor's library, or a ConfigError saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        from kernel.errors import ConfigError

        raise ConfigError(f"the PDF extractor needs {package}: pip install '.[pdf-extractors]' "
                          "(or set GROUNDED_INGEST__PDF_EXTRACTOR=pdfminer)") from None


def pdfplumber_rows(data: bytes, reader) -> tuple[list[Blocks], list[str]]:
    """pdfplumber's extract_text (characters clustered into rows by position)."""
    pdfplumber = _require("pdfplumber", "pdfplumber")

    pages: list[Blocks] = []
    problems: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            try:
                pages.append(_groups(page.extract_text() or ""))
            except Exception as e:  # noqa: BLE001 - one bad page is reported, not fatal
                problems.append(f"page {number}: text not extractable ({short_error(e)})")
                pages.append([])
    return pages, problems


def pypdfium2_text(data: bytes, reader) -> tuple[list[Blocks], list[str]]:
    """PDFium's text page, as PDFium orders and breaks it."""
    pdfium = _require("pypdfium2", "pypdfium2")

    pages: list[Blocks] = []
    problems: list[str] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for number in range(len(pdf)):
            try:
                page = pdf[number]
                pages.append(_groups(page.get_textpage().get_text_range().replace("\ufffe", "-")))
            except Exception as e:  # noqa: BLE001
                problems.append(f"page {number + 1}: text not extractable ({short_error(e)})")
                pages.append([])
    finally:
        pdf.close()
    return pages, problems


EXTRACTORS: dict[str, Extractor] = {
    "pdfminer": pdfminer_boxes,
    "pypdf": pypdf_plain,
    "pypdf-layout": pypdf_layout,
    "pdfplumber": pdfplumber_rows,
    "pypdfium2": pypdfium2_text,
}
