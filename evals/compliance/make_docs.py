"""Write the compliance_docs documents that are not plain UTF-8 text: the two-column PDF bulletin, the .docx memo and
the Windows-1252 memo. Their text is kept here as data (`BULLETIN`, `DOCX_MEMO`, `CP1252_MEMO`), so the tests can
check the key facts of the cases against what the files hold.

    python -m evals.compliance.make_docs [--out DIR]     (default: evals/compliance/docs)

Needs the dev extra (reportlab for the PDF, python-docx for the memo). The PDF is made with reportlab's
`invariant=1`, so the same script writes the same bytes. Each PDF page has a header and a footer; its two columns
are drawn row by row (line 1 of the left column, line 1 of the right column, line 2 of the left, ...), as many
layout engines do, so a reader that follows the drawing order mixes the columns. Line breaks are placed by hand:
the penalty figure "$300,000" starts a line, and "consignee's" is hyphenated across two lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import textwrap
from pathlib import Path

DOCS = Path(__file__).parent / "docs"
PDF_NAME = "compliance-bulletin-2025-07.pdf"
DOCX_NAME = "memo-k9-malaysia-licensing.docx"
CP1252_NAME = "memo-johor-audit-fees.txt"

HEADER = "Harbor Lane Compliance Bulletin  |  July 2025"
FOOTER = "Harbor Lane Semiconductors  |  Internal use only  |  Page {page} of {pages}"

# Each page: two columns; each column: (heading, paragraphs). A "\n" in a paragraph forces a line break there;
# a "-\n" is a hyphenated break (the word continues on the next line).
BULLETIN: list[list[tuple[str, list[str]]]] = [
    [
        ("Penalties for unlicensed shipments", [
            "The Office of Export Enforcement reminded distributors in June that penalties for export violations "
            "are adjusted for inflation every year.",
            "For the current year the maximum civil penalty for an unlicensed shipment is up to\n"
            "$300,000 per violation, or twice the value of the transaction, whichever is greater.",
            "Criminal penalties apply when a violation is wilful. A voluntary self-disclosure is taken into account "
            "when a penalty is set.",
        ]),
        ("Screening before every shipment", [
            "Every consignee must be screened against the restricted entity list before each shipment, not only "
            "when an order is first entered.",
            "Screening must be repeated whenever a con-\nsignee's ownership changes, and the result is attached "
            "to the order file.",
            "Possible matches are held until the duty compliance officer clears them.",
        ]),
    ],
    [
        ("Training calendar", [
            "The annual export-control training for warehouse staff takes place on 18 September 2025 in the Penang "
            "office. Attendance is mandatory for everyone who handles K9 cores.",
            "A shorter refresher for the sales team follows online on 2 October 2025.",
        ]),
        ("Record keeping", [
            "Shipping records, licences and screening results must be kept for five years from the date of export.",
            "Questions about this bulletin go to the compliance lead, Priya Raman.",
        ]),
    ],
]

DOCX_MEMO = {
    "title": "Memo: licence requirement for K9 shipments to Malaysia",
    "author": "Priya Raman",
    "created": dt.datetime(2025, 9, 5, 9, 0, tzinfo=dt.UTC),
    "paragraphs": [
        "From: Priya Raman, Compliance Lead. Date: 5 September 2025.",
        "All shipments of Class K9 cores to Malaysia require an individual export licence, whatever their value.",
        "Licence applications are prepared by the compliance team and take about 10 business days to approve.",
        "The licence number must be printed on the commercial invoice of every K9 shipment.",
    ],
}

CP1252_MEMO = (
    "MEMO \u2013 Johor warehouse audit\r\n"
    "From: Finance \u2013 compliance liaison\r\n"
    "Date: 20 October 2025\r\n"
    "\r\n"
    "The external auditor\u2019s fee for the Johor warehouse review was \u20ac4,500, paid on 24 October 2025.\r\n"
    "\r\n"
    "The auditor, Gr\u00fcnwald & Partner, found two labelling errors on K9 cartons; both were corrected on site.\r\n"
    "\r\n"
    "\u201cNo further action is needed,\u201d the auditor\u2019s report says.\r\n"
)

WIDTH = 46  # characters per column line (Helvetica 9.5 pt in a 240 pt column)


def column_lines(heading: str, paragraphs: list[str]) -> list[tuple[str, bool]]:
    """The lines of one column as (text, bold): the heading, then each paragraph wrapped to WIDTH characters with
    the forced breaks kept, a blank line between paragraphs."""
    lines: list[tuple[str, bool]] = [(heading, True), ("", False)]
    for para in paragraphs:
        for segment in para.split("\n"):
            lines += [(line, False) for line in textwrap.wrap(segment, WIDTH)]
        lines.append(("", False))
    return lines


def reading_text(column: tuple[str, list[str]]) -> str:
    """A column as a reader should rebuild it: heading, then paragraphs with the forced breaks joined (a hyphenated
    break joins the word)."""
    heading, paragraphs = column
    return "\n".join([heading, *(p.replace("-\n", "").replace("\n", " ") for p in paragraphs)])


def bulletin_text() -> str:
    """The whole bulletin in reading order (page by page, left column then right), without header and footer."""
    return "\n\n".join(reading_text(col) for page in BULLETIN for col in page)


def write_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle("Harbor Lane Compliance Bulletin, July 2025")
    c.setAuthor("Harbor Lane Semiconductors, Trade Compliance")
    width, height = A4
    left, gutter, col_w, top, leading = 56, 20, (A4[0] - 2 * 56 - 20) / 2, height - 110, 13.5
    for number, page in enumerate(BULLETIN, start=1):
        c.setFont("Helvetica-Bold", 10)
        c.drawString(left, height - 60, HEADER)
        c.line(left, height - 66, width - left, height - 66)
        columns = [column_lines(*col) for col in page]
        for row in range(max(len(col) for col in columns)):
            for i, col in enumerate(columns):  # row by row: both columns' line `row` before the next row
                if row < len(col) and col[row][0]:
                    text, bold = col[row]
                    c.setFont("Helvetica-Bold" if bold else "Helvetica", 10.5 if bold else 9.5)
                    c.drawString(left + i * (col_w + gutter), top - row * leading, text)
        c.setFont("Helvetica", 8)
        c.drawString(left, 40, FOOTER.format(page=number, pages=len(BULLETIN)))
        c.showPage()
    c.save()


def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = DOCX_MEMO["title"], DOCX_MEMO["author"]
    props.created = props.modified = DOCX_MEMO["created"]
    document.add_heading(DOCX_MEMO["title"], level=1)
    for para in DOCX_MEMO["paragraphs"]:
        document.add_paragraph(para)
    document.save(str(path))


def write_cp1252(path: Path) -> None:
    path.write_bytes(CP1252_MEMO.encode("cp1252"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.compliance.make_docs", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DOCS, help="where to write the files (default: %(default)s)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    write_pdf(args.out / PDF_NAME)
    write_docx(args.out / DOCX_NAME)
    write_cp1252(args.out / CP1252_NAME)
    for name in (PDF_NAME, DOCX_NAME, CP1252_NAME):
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
