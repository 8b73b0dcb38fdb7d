"""A .docx memo's date: `sources.csv` and a date written in the text win; otherwise the Word file's core-properties
`created` date is the published date, and `ingest show` says where the date came from (`published_from`).
The fixtures are built here with python-docx."""

from __future__ import annotations

import datetime as dt
import io

from ingest.cli import main
from ingest.index import open_index
from ingest.load import load_file
from ingest.pipeline import run
from tests.helpers import fast_settings

BODY = ("Every shipment of Class K9 cores to Malaysia requires an individual export licence, whatever its value. "
        "The trade compliance team reviews each application within ten working days.")


def _memo(created: dt.datetime | None, dateline: str | None = None, title: str = "Memo: K9 shipments") -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    if created is not None:
        d.core_properties.created = created
    d.add_heading(title, level=1)
    if dateline:
        d.add_paragraph(dateline)
    d.add_paragraph(BODY)
    d.add_paragraph("Questions go to the trade compliance desk before any shipment is booked.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _docs(tmp_path, files: dict[str, bytes], manifest: str | None = None) -> dict[str, dict]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    if manifest:
        (corpus / "sources.csv").write_text(manifest, encoding="utf-8")
    settings = fast_settings(tmp_path / "state")
    assert run([corpus], settings).exit_code == 0
    index = open_index(settings)
    return {name.removesuffix(".docx"): index.document(name.removesuffix(".docx")) for name in files}


def test_the_created_date_is_the_last_resort_and_its_source_is_shown(tmp_path, monkeypatch, capsys):
    created = dt.datetime(2025, 9, 5, 9, 0, tzinfo=dt.UTC)
    docs = _docs(tmp_path, {
        "only-created.docx": _memo(created),
        "dated-in-text.docx": _memo(created, dateline="Published 2 June 2025"),
        "dated-in-manifest.docx": _memo(created),
        "template-date.docx": _memo(None),  # python-docx's template says 2013-12-23: not a date of this memo
    }, manifest="file,published\ndated-in-manifest.docx,2025-10-01\n")
    got = {d: (doc["meta"].get("published"), doc["meta"].get("published_from")) for d, doc in docs.items()}
    assert got == {
        "only-created": ("2025-09-05", ".docx created date"),
        "dated-in-text": ("2025-06-02", "text"),
        "dated-in-manifest": ("2025-10-01", "sources.csv"),
        "template-date": (None, None),
    }
    monkeypatch.setenv("GROUNDED_EMBED__MODEL", "hash")
    monkeypatch.setenv("GROUNDED_CLEAN__OFFTOPIC", "false")
    capsys.readouterr()
    assert main(["show", "only-created", "--home", str(tmp_path / "state")]) == 0  # `python -m ingest show DOC_ID`
    shown = capsys.readouterr().out.splitlines()
    assert "published: 2025-09-05" in shown and "published_from: .docx created date" in shown


def test_the_reader_passes_created_on_without_making_it_the_published_date(tmp_path):
    (tmp_path / "memo.docx").write_bytes(_memo(dt.datetime(2024, 11, 30, 23, 30)))  # naive: read as UTC
    [doc] = load_file(tmp_path / "memo.docx", tmp_path, 10**6)
    assert doc.created == "2024-11-30" and doc.meta.published is None and doc.meta.published_from is None


def test_other_formats_name_their_date_source(tmp_path):
    (tmp_path / "note.md").write_text(f"---\ntitle: Note\ndate: 2025-05-14\n---\n{BODY}\n", encoding="utf-8")
    [doc] = load_file(tmp_path / "note.md", tmp_path, 10**6)
    assert (doc.meta.published, doc.meta.published_from) == ("2025-05-14", "front matter")


def _header_memo() -> bytes:
    """A memo as Word users write it: no core title, a To/Date/Subject block in the body, the author left as the
    template set it (python-docx's own template says "python-docx")."""
    import docx

    d = docx.Document()
    for line in ("MEMORANDUM", "To: Sales team", "Date: 2 June 2025", "Subject: Q7 boards to Thailand",
                 "Q7 evaluation boards may be shipped to Thailand only after the end-user statement has been signed "
                 "by the customer.", "Questions go to the trade compliance desk before any shipment is booked."):
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_a_memo_header_in_the_body_gives_date_and_title_and_the_template_author_is_no_author(tmp_path):
    docs = _docs(tmp_path, {"memo-q7.docx": _header_memo()})
    meta = docs["memo-q7"]["meta"]
    assert (meta.get("published"), meta.get("published_from")) == ("2025-06-02", "text")
    assert meta.get("title") == "Q7 boards to Thailand"  # the Subject field's value, not "Subject: …"
    assert meta.get("author") is None  # not "python-docx"
    assert "To: Sales team" in docs["memo-q7"]["text"]  # the header block is the memo's content (record fields)


def test_a_memo_header_written_as_a_table_is_read_as_its_fields(tmp_path):
    """Word memo templates often put To/From/Date/Subject in a two-column table. Read as `| To: | Sales team |`
    rows, the block was dropped as page header: no title, no "From:" line left to say who wrote it."""
    import docx

    d = docx.Document()
    d.add_paragraph("MEMORANDUM")
    table = d.add_table(rows=4, cols=2)
    for row, (label, value) in zip(table.rows, [("To:", "Sales team"), ("From:", "Priya Raman, Compliance Lead"),
                                                ("Date:", "2 June 2025"), ("Subject:", "Q7 boards to Thailand")],
                                   strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    d.add_paragraph("Q7 evaluation boards may be shipped to Thailand only after the end-user statement has been "
                    "signed by the customer.")
    buf = io.BytesIO()
    d.save(buf)
    doc = _docs(tmp_path, {"memo-table.docx": buf.getvalue()})["memo-table"]
    assert "From: Priya Raman, Compliance Lead" in doc["text"] and "To: Sales team" in doc["text"]
    assert doc["meta"].get("title") == "Q7 boards to Thailand"
    assert doc["meta"].get("published") == "2025-06-02"
