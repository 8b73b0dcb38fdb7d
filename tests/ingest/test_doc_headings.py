"""A document's own heading is content, never page furniture.

- An identifier-bearing heading ("MEMO EC-2025-014 (Revision 1)") before a memo's header block, or under a
  letterhead, was removed as "page header"; a heading repeated at the top of each revision lost every copy.
- A .txt file's short first line ("Export screening checklist") was removed as "page header" whenever the body did
  not follow it at once; a text file has no pages, so its first line is its title. A list under it is kept too.
- The same heading at the top of every PDF page is kept on page 1, where it is the document's heading.
"""

from __future__ import annotations

import pytest

from ingest.clean import clean
from ingest.models import DocMeta, SourceDoc
from ingest.pdf_text import drop_running_lines

BODY = ("This memo sets out how the compliance team screens shipments of K9 cores to distributors in Malaysia and what "
        "the licence conditions require of each shipment before it leaves the warehouse.\n")
CHECKS = ("Before any shipment leaves the warehouse, the shipping clerk checks the consignee against the restricted "
          "entity list and records the result in the screening log.\n")


def _clean(text: str, fmt: str = "txt"):
    return clean(SourceDoc(doc_id="d", source=f"d.{fmt}", fmt=fmt, text=text, meta=DocMeta(), content_hash="h"))


def _removed(doc) -> list[tuple[str, str]]:
    return [(doc.doc.text[r.raw_start:r.raw_end], r.reason) for r in doc.removed]


@pytest.mark.parametrize("text", [
    "MEMO EC-2025-014 (Revision 1)\nTo: APAC sales\nFrom: Dana Whitfield\nSubject: K9 cores to Malaysia\n\n" + BODY,
    "Acme Export Compliance\nMEMO EC-2025-014 (Revision 1)\nIssued 3 March 2025\n\n" + BODY,
    "MEMO EC-2025-014 (Revision 1)\n\nScope of this revision\n\n" + BODY,
], ids=["before-memo-fields", "under-letterhead", "before-a-section-heading"])
def test_an_identifier_bearing_heading_is_no_page_header(text):
    doc = _clean(text)
    assert "MEMO EC-2025-014 (Revision 1)" in doc.text, _removed(doc)
    assert BODY.strip() in doc.text


def test_a_heading_repeated_at_each_revision_keeps_its_first_copy():
    text = ("MEMO EC-2025-014 (Revision 1)\nSubject: K9 cores to Malaysia\nTo: APAC sales\nFrom: Dana Whitfield\n\n"
            + BODY + "\nMEMO EC-2025-014 (Revision 1)\n\n" + CHECKS)
    doc = _clean(text)
    assert doc.text.count("MEMO EC-2025-014 (Revision 1)") == 1, _removed(doc)
    assert doc.text.startswith("MEMO EC-2025-014 (Revision 1)")


@pytest.mark.parametrize("after", [
    "Owner: Trade Compliance\n\n",
    "Applies to all sites\n\n",
    "Use this list for every outbound shipment.\n",
    "1. Check the consignee.\n2. Check the ECCN.\n3. File the result.\n\n",
], ids=["a-field", "a-subtitle", "a-short-sentence", "a-numbered-list"])
def test_a_text_files_short_first_line_is_kept(after):
    doc = _clean("Export screening checklist\n\n" + after + CHECKS)
    assert doc.text.startswith("Export screening checklist"), _removed(doc)
    assert not [r for r in _removed(doc) if r[1] == "page header"]


def test_a_text_files_short_first_line_is_its_title():
    doc = _clean("Export screening checklist\nOwner: Trade Compliance\n\n" + CHECKS)
    assert doc.meta.title == "Export screening checklist"
    assert "1. Check the consignee." in _clean("Export screening checklist\n\n1. Check the consignee.\n2. Check the "
                                               "ECCN.\n\n" + CHECKS).text


def test_a_pdf_heading_on_every_page_is_kept_on_page_1():
    def page(body: str):
        return [[("MEMO EC-2025-014 (Revision 1)", None)], [(body, None)], [("Acme Compliance - Page 1", None)]]

    pages, dropped = drop_running_lines([page("First page text."), page("Second page text."),
                                         page("Third page text.")])
    assert pages[0][0] == [("MEMO EC-2025-014 (Revision 1)", None)]
    assert [d.page for d in dropped if d.reason == "running header"] == [2, 3]
    plain = [[[("Harbor Lane Compliance Bulletin | July 2025", None)], [(t, None)]] for t in ("One.", "Two.")]
    assert [d.page for d in drop_running_lines(plain)[1]] == [1, 2]  # a header with no identifier: gone everywhere
