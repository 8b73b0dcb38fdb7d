"""Formats beyond UTF-8 text: legacy encodings are detected and named, .docx is read, HTML lists what it dropped."""

from __future__ import annotations

import io

import pytest

from ingest.charset import decode_text, label
from ingest.load import load, load_file
from kernel.errors import InputError

MEMO = ("Memo \u2013 export review of Q3 shipments\n\nThe compliance team held the shipment to M\u00fcller GmbH "
        "\u201cpending\u201d a licence check. The fee is \u20ac 500 per application.\n")


def test_a_windows_1252_memo_is_read_and_its_encoding_named(tmp_path):
    (tmp_path / "memo.txt").write_bytes(MEMO.encode("cp1252"))
    [doc] = load_file(tmp_path / "memo.txt", tmp_path, 10**6)
    assert doc.text == MEMO and doc.encoding == "cp1252" and label(doc.encoding) == "Windows-1252"


@pytest.mark.parametrize("text,codec", [
    ("Caf\u00e9 au lait, a perfectly normal sentence in Latin-1.", "latin-1"),
    ("caf\u00e9 ok", "latin-1"),
    ("B\u00f6hm & C\u00f4t\u00e9 S.\u00e0 r.l. of Li\u00e8ge is on the restricted entity list.", "cp1252"),
    ("\u041f\u0440\u043e\u0432\u0435\u0440\u043a\u0430 \u044d\u043a\u0441\u043f\u043e\u0440\u0442\u0430 "
     "\u0437\u0430\u0432\u0435\u0440\u0448\u0435\u043d\u0430 \u0431\u0435\u0437 \u0437\u0430\u043c\u0435\u0447\u0430"
     "\u043d\u0438\u0439.", "cp1251"),
    ("\u8f38\u51fa\u7ba1\u7406\u306e\u898f\u5247\u306b\u3064\u3044\u3066\u306e\u304a\u77e5\u3089\u305b\u3067\u3059\u3002",
     "shift_jis"),
])
def test_common_legacy_encodings_decode_to_the_same_text(text, codec):
    got, used = decode_text(text.encode(codec))
    assert got == text and used != "utf-8"


def test_utf8_boms_and_utf16_are_read():
    assert decode_text(b"\xef\xbb\xbfPlain.\r\n") == ("Plain.\n", "utf-8-sig")
    assert decode_text("Z\u00fcrich memo.\n".encode("utf-16")) == ("Z\u00fcrich memo.\n", "utf-16")
    assert decode_text("Plain \u00e9.".encode()) == ("Plain \u00e9.", "utf-8")
    with pytest.raises(InputError, match="binary content"):
        decode_text(b"abc\x00\x01\x02def")


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = "Screening memo EL-2025-0418"
    d.core_properties.author = "Compliance Office"
    d.add_heading("Screening result", level=1)
    d.add_paragraph("The licence EL-2025-0418 covers 40 controlled sensors for Penang.")
    d.add_paragraph("Check the end-user statement", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Licence", "Holder"
    table.cell(1, 0).text, table.cell(1, 1).text = "EL-2025-0418", "Penang Sensors Sdn Bhd"
    d.add_paragraph("Approved on 2 June 2025.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_tables_and_properties_are_read(tmp_path):
    (tmp_path / "memo.docx").write_bytes(_docx_bytes())
    [doc] = load_file(tmp_path / "memo.docx", tmp_path, 10**6)
    assert doc.fmt == "docx" and doc.meta.title == "Screening memo EL-2025-0418"
    assert doc.meta.author == "Compliance Office"
    lines = doc.text.split("\n")
    assert lines[0] == "Screening result" and "- Check the end-user statement" in lines
    assert "The licence EL-2025-0418 covers 40 controlled sensors for Penang." in lines
    assert "| EL-2025-0418 | Penang Sensors Sdn Bhd |" in lines
    assert doc.text.index("Penang Sensors") < doc.text.index("Approved on 2 June 2025.")  # document order


def test_a_broken_docx_is_skipped_with_a_reason(tmp_path):
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04 not really a Word file")
    result = load([tmp_path], 10**6)
    assert [s.reason for s in result.skipped] == ["not a readable .docx file (BadZipFile)"]


HTML = """<!DOCTYPE html><html lang="en"><head><title>Export rules tighten | Trade Wire</title>
<meta charset="windows-1252"></head><body>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies</p></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/markets">Markets</a></li></ul></nav>
<article><h1>Export rules tighten</h1>
<p>The Regional Trade Office said on Tuesday that every export of controlled infrared sensors now needs an individual
licence, and that applications are reviewed within thirty working days of receipt.</p>
<p>Distributors must keep shipping records for five years, including the end user, the quantity, the declared value
and the licence number of each shipment, the office said in its bulletin.</p></article>
<aside class="ad-slot"><p>Buy the Trade Wire annual pass for 50% off \u2013 today only!</p></aside>
<footer><p>Copyright 2025 Trade Wire. All rights reserved.</p></footer>
</body></html>"""


def test_html_lists_what_trafilatura_dropped(tmp_path):
    (tmp_path / "page.html").write_bytes(HTML.encode("cp1252"))
    [doc] = load_file(tmp_path / "page.html", tmp_path, 10**6)
    assert "individual licence" in doc.text and "cookies" not in doc.text
    assert doc.encoding == "cp1252"
    dropped = {d.reason: d.text for d in doc.dropped}
    assert "Accept all cookies" in dropped["cookie banner"]
    assert "Home" in dropped["navigation menu"] and "Markets" in dropped["navigation menu"]
    assert "annual pass" in dropped["advertisement"] and "\u2013" in dropped["advertisement"]
    assert any("All rights reserved" in t for t in dropped.values())
    assert all("individual licence" not in d.text and d.text != "Export rules tighten" for d in doc.dropped)


@pytest.mark.parametrize("text", [
    "Memo \u2013 Kulim audit fees\n\nThe external auditor\u2019s fee for the Kulim review is \u20ac4,800 \u2013 payable "
    "within 30 days of the invoice.\n",
    "Q-Tech\u2122 boards need a licence.\n",
])
def test_a_short_windows_1252_memo_is_not_read_as_mac_roman(text):
    """charset-normalizer 3.5.3 alone picked Mac Roman for these ("auditor\u00eds fee \u00f1 \u00c44,800")."""
    assert decode_text(text.encode("cp1252")) == (text, "cp1252")


@pytest.mark.parametrize("text", ["Le comit\u00e9 a vis\u00e9 un \u00e9t\u00e9 tr\u00e8s charg\u00e9 \u00e0 Li\u00e8ge.",
                                  "A\u00f1o de revisi\u00f3n: se\u00f1al \u00fanica"])
def test_mac_roman_letters_are_not_taken_for_windows_1252_punctuation(text):
    """The rule above leaves these alone (in Mac Roman, 0x80-0x9F are letters: "A\u00f1o" would read "A\u2013o").
    The Spanish one is still read as Windows-1250 ("A\u2013o"): charset-normalizer's own choice, not fixed here."""
    assert decode_text(text.encode("mac_roman"))[1] != "cp1252"
