"""PDFs: columns read one by one, running headers/footers dropped, sentences rebuilt, every offset on its own page.

The fixture tests/fixtures/pdf/two-column-bulletin.pdf is made by make_bulletin.py (two columns drawn row by row,
a header and a footer on each page, a sentence running from page 1 to page 2, a word hyphenated at a line end).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest.chunk import chunk
from ingest.clean import clean
from ingest.index import open_index, page_at
from ingest.load import load, load_file, load_file_report
from ingest.pdf_text import drop_running_lines, reflow
from ingest.pipeline import run
from kernel.sentences import sentences
from tests.fakes import HashEmbedder
from tests.helpers import BENCHMARKS, fast_settings

BULLETIN = Path(__file__).resolve().parents[1] / "fixtures" / "pdf" / "two-column-bulletin.pdf"
ALEXNET = BENCHMARKS / "llama_history_of_alexnet" / "source_files" / "HistoryOfAlexnet.pdf"
PENALTY = ("The maximum civil penalty for an unlicensed shipment is up to $300,000 per violation, and repeat offenders "
           "may lose their distribution authorization for three years.")
LEFT_LAST = "Distributors must keep shipping records for five years."  # ends in the right column of page 1
RIGHT_FIRST = "A licence covers one consignee and one destination country."


@pytest.fixture(scope="module")
def bulletin():
    [doc] = load_file(BULLETIN, BULLETIN.parent, 10**7)
    return doc


def test_sentences_are_rebuilt_across_lines_columns_and_pages(bulletin):
    spans = [bulletin.text[s:e] for s, e in sentences(bulletin.text)]
    assert PENALTY in spans, spans
    assert "unlicensed shipment is up to" not in [s.strip() for s in bulletin.text.split("\n")]
    assert "application and a fresh review" in bulletin.text and "appli-" not in bulletin.text  # hyphenation undone


def test_two_columns_are_read_one_after_the_other(bulletin):
    text = " ".join(bulletin.text.split())
    assert LEFT_LAST in text and RIGHT_FIRST in text
    assert text.index(LEFT_LAST) < text.index(RIGHT_FIRST)
    assert "requires an individual licence issued under the Export Control Regulation of 2024." in text


def test_running_header_and_footer_are_dropped_and_listed(bulletin):
    assert "BULLETIN" not in bulletin.text and "Page 1 of 2" not in bulletin.text
    assert {(d.reason, d.page) for d in bulletin.dropped} == {
        ("running header", 1), ("running header", 2), ("running footer", 1), ("running footer", 2)}
    assert bulletin.meta.title == "Export Compliance Bulletin No. 7"


def test_every_offset_maps_to_its_own_page(bulletin):
    at = bulletin.text.index("$300,000")
    assert bulletin.page_at(bulletin.text.index("unlicensed shipment is up to")) == 1
    assert bulletin.page_at(at) == 2
    [p1, p2] = bulletin.pages
    assert bulletin.text[p1.end:p2.start] in (" ", "\n\n", "")


def test_chunk_rows_carry_page_starts_and_a_quote_on_page_2_is_page_2(tmp_path):
    settings = fast_settings(tmp_path)
    assert run([BULLETIN], settings).exit_code == 0
    index = open_index(settings)
    doc = index.document("two-column-bulletin")
    rows = index.chunks(doc_id="two-column-bulletin")
    quote_start = doc["text"].index("$300,000 per violation")
    [row] = [r for r in rows if r["start"] <= quote_start < r["end"]]
    assert row["page"] == 1 and page_at(row["pages"], row["start"]) == 1  # the chunk starts on page 1 ...
    assert page_at(row["pages"], quote_start) == 2  # ... the quote is on page 2
    assert all(r["pages"][0][0] == r["start"] for r in rows)
    assert doc["page_starts"][0] == [0, 1] and [p for _, p in doc["page_starts"]] == [1, 2]
    assert {d["reason"] for d in doc["dropped"]} == {"running header", "running footer"}


def test_page_at_contract():
    assert page_at([], 5) is None and page_at(None, 0) is None
    pages = [[100, 3], [250, 4]]
    assert [page_at(pages, o) for o in (0, 100, 249, 250, 10_000)] == [3, 3, 3, 4, 4]


def test_chunk_pages_from_a_cleaned_pdf(bulletin):
    chunks = chunk(clean(bulletin), HashEmbedder())
    for c in chunks:
        assert c.pages and c.pages[0] == (c.start, c.page)
        assert all(c.start < o < c.end for o, _ in c.pages[1:])


def test_reflow_rules():
    pages = [[[("The penalty for an", None), ("unlicensed shipment is up to", None)]],
             [[("$300,000 per viola-", None), ("tion. Reports are filed by the", None), ("distributor.", None)],
              [("Non-", None), ("English notices are translated. Pre-", None), ("and post-shipment checks apply.", None)],
              [("2. Scope", None), ("This part covers sensors.", None)]]]
    text, spans = reflow(pages)
    assert "The penalty for an unlicensed shipment is up to $300,000 per violation." in text
    assert "Non-English notices are translated." in text  # a capital after the hyphen: a compound, kept
    assert "Pre- and post-shipment checks apply." in text  # a suspended hyphen
    assert "2. Scope\nThis part covers sensors." in text
    assert text[spans[1].start:].startswith("$300,000") and spans[0].end <= spans[1].start


def test_running_lines_need_repetition():
    def page(n: int) -> list:  # records that differ only in their numbers are not running headers
        return [[("Acme Bulletin", None), (f"Licence EL-2025-000{n + 5} was issued.", None), (f"- {n} -", None)],
                [(f"Acme Trade Office, page {n} of 3", None)]]

    pages, dropped = drop_running_lines([page(1), page(2), page(3)])
    assert [line for b in pages[0] for line, _ in b] == ["Licence EL-2025-0006 was issued."]
    assert {(d.reason, d.text) for d in dropped if d.page == 2} == {
        ("running header", "Acme Bulletin"), ("page number", "- 2 -"), ("running footer", "Acme Trade Office, page 2 of 3")}
    single, none = drop_running_lines([[[("Acme Bulletin", None), ("Body.", None)]]])
    assert none == [] and single[0][0][0][0] == "Acme Bulletin"


def test_pypdf_log_lines_never_reach_the_terminal(tmp_path, capfd):
    good = BULLETIN.read_bytes()
    (tmp_path / "truncated.pdf").write_bytes(good.replace(b"%%EOF", b""))  # "EOF marker not found"
    logging.getLogger("pypdf").setLevel(logging.WARNING)
    result = load([tmp_path], 10**7)
    out, err = capfd.readouterr()
    assert "EOF marker" not in out + err and "pypdf" not in out + err
    assert len(result.docs) + len(result.skipped) == 1


@pytest.mark.skipif(not ALEXNET.exists(), reason=f"benchmark PDF missing: {ALEXNET}")
def test_alexnet_lines_are_rejoined_and_headers_dropped():
    [doc] = load([ALEXNET], 10**8).docs
    assert "REPLACE THIS LINE" not in doc.text
    assert sum(d.reason == "running header" for d in doc.dropped) >= 30
    spans = {doc.text[s:e] for s, e in sentences(doc.text)}
    assert ("Different methods have been proposed based on different categories of learning, including supervised, "
            "semi-supervised, and un-supervised learning.") in spans or \
        any(s.startswith("Different methods have been proposed based on different categories of learning") and
            s.endswith("learning.") for s in spans)


def test_a_pdf_pdfminer_cannot_parse_is_read_with_pypdf(monkeypatch, bulletin):
    import pdfminer.high_level

    def broken(*args, **kwargs):
        raise ValueError("damaged content stream")
        yield  # a generator, as extract_pages is

    monkeypatch.setattr(pdfminer.high_level, "extract_pages", broken)
    docs, skipped = load_file_report(BULLETIN, BULLETIN.parent, 10**7)
    assert skipped == [] and "The maximum civil penalty" in docs[0].text and docs[0].pages[-1].number == 2


def _pdf_with_dates(text: str, creation: str | None) -> bytes:
    """A one-page PDF (reportlab) saying `text`, with the info dict's /CreationDate set to `creation` (a PDF date
    string such as "D:20250905093000+02'00'") or left as reportlab's invariant placeholder (2000-01-01)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("Notice on K9 shipments")
    y = 780
    for line in text.split("\n"):
        c.drawString(72, y, line)
        y -= 16
    c.save()
    data = buf.getvalue()
    if creation is None:
        return data
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/CreationDate": creation, "/ModDate": creation})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_creation_date_is_the_published_date_of_last_resort_and_named(tmp_path):
    """Issue 14 (dates): a PDF whose text gives no date takes its info dict's /CreationDate, and `published_from`
    says so; a date in the text or in sources.csv wins; reportlab's invariant 2000-01-01 placeholder is no date."""
    body = "Every shipment of Class K9 cores to Malaysia requires an individual export licence.\n" \
           "The trade compliance team reviews each application within ten working days."
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only-created.pdf").write_bytes(_pdf_with_dates(body, "D:20250905093000+02'00'"))
    (corpus / "dated-in-text.pdf").write_bytes(_pdf_with_dates("Published 2 June 2025\n" + body,
                                                               "D:20250905093000+02'00'"))
    (corpus / "dated-in-manifest.pdf").write_bytes(_pdf_with_dates(body, "D:20250905093000+02'00'"))
    (corpus / "placeholder.pdf").write_bytes(_pdf_with_dates(body, None))
    (corpus / "garbled.pdf").write_bytes(_pdf_with_dates(body, "D:2025-not-a-date"))
    (corpus / "sources.csv").write_text("file,published\ndated-in-manifest.pdf,2025-10-01\n", encoding="utf-8")
    settings = fast_settings(tmp_path / "state")
    assert run([corpus], settings).exit_code == 0
    index = open_index(settings)
    got = {}
    for name in ("only-created", "dated-in-text", "dated-in-manifest", "placeholder", "garbled"):
        meta = index.document(name)["meta"]
        got[name] = (meta.get("published"), meta.get("published_from"))
    assert got == {
        "only-created": ("2025-09-05", "PDF creation date"),
        "dated-in-text": ("2025-06-02", "text"),
        "dated-in-manifest": ("2025-10-01", "sources.csv"),
        "placeholder": (None, None),
        "garbled": (None, None),
    }
