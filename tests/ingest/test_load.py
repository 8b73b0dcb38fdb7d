"""Load stage: every format reads, every bad input is skipped with its reason, and the rest still loads."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pypdf
import pytest

from ingest.formats import READERS
from ingest.load import SUPPORTED, discover, limit_bytes, load, load_file, load_file_report
from kernel.errors import InputError

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO.parent / "shared" / "benchmarks"
ALEXNET = BENCH / "llama_history_of_alexnet" / "source_files" / "HistoryOfAlexnet.pdf"
SOLANA = BENCH / "llama_blockchain_solana" / "source_files" / "BlockchainSolana.pdf"
CLAPNQ = BENCH / "clapnq" / "corpus.jsonl"
LIMIT = limit_bytes(20)
ARTICLE = "The Commerce Department said the use of Huawei Ascend chips anywhere in the world violates export controls."


def make_pdf(pages: list[list[str]], title: str = "A Test Paper", author: str = "-") -> bytes:
    """A minimal valid PDF with one Helvetica text line per string, one page per list."""
    n = len(pages)
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Author ({author}) >>".encode(),
    ]
    for i, lines in enumerate(pages):
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    f"/Resources << /Font << /F1 3 0 R >> >> /Contents {6 + 2 * i} 0 R >>".encode())
        ops = " T* ".join(f"({line}) Tj" for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {ops} ET".encode()
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


HTML = f"""<!DOCTYPE html><html lang="en-GB"><head><title>Chips warning | Example News</title>
<meta property="og:site_name" content="Example News"><meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2025-05-14T09:05:00Z">
<link rel="canonical" href="https://example.com/chips"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sub">Subscribe now</a></li></ul></nav>
<article><h1>Chips warning</h1><p>{ARTICLE}</p>
<p>The agency also plans to warn the public about the consequences of allowing US AI chips to be used to train
Chinese AI models, which further complicates the company's ambitions to develop more powerful processors.</p></article>
<footer><p>Copyright 2025 Example News. All rights reserved.</p><a href="/privacy">Privacy Policy</a></footer>
</body></html>"""


def by_id(result):
    return {d.doc_id: d for d in result.docs}


def reasons(result):
    return {s.source: s.reason for s in result.skipped}


def test_supported_matches_readers():
    assert set(SUPPORTED) == set(READERS)


def test_txt_bom_and_crlf(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfTitle\r\nBody line.\r\n")
    [doc] = load_file(tmp_path / "a.txt", tmp_path, LIMIT)
    assert (doc.doc_id, doc.source, doc.fmt, doc.text) == ("a", "a.txt", "txt", "Title\nBody line.\n")
    assert len(doc.content_hash) == 64 and doc.pages == () and doc.page_at(0) is None


def test_markdown_front_matter(tmp_path):
    md = ("---\ntitle: \"Chips: a warning\"\npublisher: Example News\ndate: 2025-05-14\n"
          "url: https://example.com/x\nlanguage: en\ntags: [a, b]\n---\n\n# Heading\n\nBody text.\n")
    (tmp_path / "note.md").write_text(md, encoding="utf-8")
    [doc] = load_file(tmp_path / "note.md", tmp_path, LIMIT)
    assert doc.text == "# Heading\n\nBody text.\n" and doc.fmt == "md"
    assert doc.meta.title == "Chips: a warning" and doc.meta.publisher == "Example News"
    assert (doc.meta.published, doc.meta.url, doc.meta.language) == ("2025-05-14", "https://example.com/x", "en")


def test_markdown_without_closing_fence_is_plain_text(tmp_path):
    (tmp_path / "x.markdown").write_text("---\nnot front matter\n", encoding="utf-8")
    [doc] = load_file(tmp_path / "x.markdown", tmp_path, LIMIT)
    assert doc.text.startswith("---") and doc.meta.title is None


def test_front_matter_is_yaml_read_safely_and_values_stay_as_written(tmp_path):
    md = ("---\ntitle: \"Penang \\\"LB-7\\\" notice\"  # a comment\nlanguage: no\npublished: 2025-06-02\n"
          "author: !!python/object/apply:os.system ['touch pwned']\npublisher: >-\n  Harbor Lane\n  Semiconductors\n"
          "---\nBody text.\n")
    (tmp_path / "n.md").write_text(md, encoding="utf-8")
    [doc], problems = load_file_report(tmp_path / "n.md", tmp_path, LIMIT)
    m = doc.meta
    assert (m.title, m.language, m.published) == ('Penang "LB-7" notice', "no", "2025-06-02") and problems == []
    assert m.publisher == "Harbor Lane Semiconductors" and doc.text == "Body text.\n"
    assert m.author is None and not (tmp_path / "pwned").exists()  # a Python tag builds nothing, runs nothing


def test_an_unquoted_colon_in_a_value_is_read_as_the_author_meant(tmp_path):
    """YAML refuses "title: Export rules: what changed" (newcomer trial: the memo was listed as skipped and indexed
    without its title); each line is then read as `field: value`, the value after the first colon."""
    (tmp_path / "m.md").write_text("---\ntitle: Export rules: what changed\npublisher: 'Acme: Compliance'\n"
                                   "published: May 20, 2025\n---\nBody text.\n", encoding="utf-8")
    r = load([tmp_path], LIMIT)
    assert not r.skipped and r.docs[0].meta.title == "Export rules: what changed"
    assert (r.docs[0].meta.publisher, r.docs[0].meta.published) == ("Acme: Compliance", "2025-05-20")


@pytest.mark.parametrize(("written", "iso"), [
    ("2025-05-20", "2025-05-20"), ("2025-05-20T08:00:00Z", "2025-05-20"), ("May 20, 2025", "2025-05-20"),
    ("20 May 2025", "2025-05-20"), ("Tuesday, 20 May 2025", "2025-05-20"), ("May 20th, 2025", "2025-05-20"),
    ("05/06/2025", None), ("May 2025", None), ("soon", None), ("2025-13-01", None), ("Foo 2025", None)])
def test_dates_are_read_when_unambiguous(written, iso):
    """ISO dates, and dates with the month written out and a day (python-dateutil); never a guessed day or order."""
    from ingest.sources_manifest import iso_date

    assert iso_date(written) == iso


@pytest.mark.parametrize(("front", "problem"), [
    ("title: [unclosed\npublisher: X\n", "front matter is not valid YAML (line 3: expected ',' or ']', but got "
                                         "':'); its metadata is not used"),
    ("just a line\n", "front matter is not a mapping of `field: value` lines; its metadata is not used"),
])
def test_malformed_front_matter_is_reported_by_file_and_the_text_still_loads(tmp_path, front, problem):
    (tmp_path / "bad.md").write_text(f"---\n{front}---\n# Heading\n\nBody text.\n", encoding="utf-8")
    (tmp_path / "good.md").write_text("---\ntitle: Fine\n---\nOther text.\n", encoding="utf-8")
    r = load([tmp_path], LIMIT)
    assert [(s.source, s.reason) for s in r.skipped] == [("bad.md", problem)]
    docs = {d.doc_id: d for d in r.docs}
    assert docs["bad"].text == "# Heading\n\nBody text.\n" and docs["bad"].meta.title is None
    assert docs["good"].meta.title == "Fine" and r.failed == frozenset()


def test_html_main_text_and_metadata(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    [doc] = load_file(tmp_path / "page.html", tmp_path, LIMIT)
    assert ARTICLE in doc.text and doc.fmt == "html"
    assert "Subscribe now" not in doc.text and "All rights reserved" not in doc.text
    m = doc.meta
    assert (m.title, m.author, m.published, m.publisher) == ("Chips warning", "Jane Doe", "2025-05-14", "Example News")
    assert (m.url, m.language) == ("https://example.com/chips", "en")


def test_pdf_pages_and_metadata(tmp_path):
    (tmp_path / "paper.pdf").write_bytes(make_pdf([["Page one first line", "second line"], ["Page two text"]]))
    [doc] = load_file(tmp_path / "paper.pdf", tmp_path, LIMIT)
    assert [p.number for p in doc.pages] == [1, 2]
    p1, p2 = doc.pages
    assert "Page one first line" in doc.text[p1.start:p1.end] and "Page two text" in doc.text[p2.start:p2.end]
    assert doc.text[p1.end:p2.start] in ("\n\n", " ") and p2.end == len(doc.text)
    assert doc.page_at(p2.start) == 2 and doc.page_at(0) == 1
    assert doc.meta.title == "A Test Paper" and doc.meta.author is None  # "-" is junk


def test_pdf_owner_password_only_loads_and_user_password_is_reported(tmp_path):
    for name, user in (("open.pdf", ""), ("locked.pdf", "secret")):
        w = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf([["Encrypted text"]])))
        w.encrypt(user_password=user, owner_password="owner", algorithm="RC4-128")
        with (tmp_path / name).open("wb") as f:
            w.write(f)
    r = load([tmp_path], LIMIT)
    assert "Encrypted text" in by_id(r)["open"].text
    assert reasons(r) == {"locked.pdf": "encrypted PDF (needs a password)"}


def test_jsonl_records(tmp_path):
    lines = [{"_id": "r1", "title": "One", "text": "first"}, {"_id": "r2", "text": "second"}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    docs = load_file(tmp_path / "c.jsonl", tmp_path, LIMIT)
    assert [(d.doc_id, d.source, d.meta.title, d.text) for d in docs] == [
        ("r1", "c.jsonl#r1", "One", "first"), ("r2", "c.jsonl#r2", None, "second")]
    assert docs[0].content_hash != docs[1].content_hash


def test_jsonl_bad_lines_skipped_good_records_kept(tmp_path):
    rows = ['{"_id": "a", "text": "ok"}', "{not json", "[1, 2]", '{"_id": 5, "text": "x"}',
            '{"_id": "b"}', '{"_id": "a", "text": "again"}', '{"_id": "c", "text": "fine"}']
    (tmp_path / "m.jsonl").write_text("\n".join(rows), encoding="utf-8")
    docs, skipped = load_file_report(tmp_path / "m.jsonl", tmp_path, LIMIT)
    assert [d.doc_id for d in docs] == ["a", "c"]
    got = [s.reason for s in skipped]
    assert [r.split(":")[0] for r in got] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert got[0].startswith("line 2: not valid JSON") and got[1] == "line 3: not a JSON object (got list)"
    assert got[2] == 'line 4: missing string "_id"' and got[4] == "line 6: duplicate _id 'a' (also line 1)"
    assert all(s.source == "m.jsonl" for s in skipped)
    r = load([tmp_path], LIMIT)
    assert len(r.docs) == 2 and len(r.skipped) == 5


def test_jsonl_with_no_valid_record_raises(tmp_path):
    (tmp_path / "bad.jsonl").write_text("{oops\n[]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^no valid JSONL records \(line 1: not valid JSON .*; 1 more\)$"):
        load_file(tmp_path / "bad.jsonl", tmp_path, LIMIT)


def test_bad_inputs_reported_and_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("A good article.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n", encoding="utf-8")
    (tmp_path / "bin.txt").write_bytes(b"abc\x00\x01\x02def")
    (tmp_path / "ctrl.txt").write_bytes(bytes(range(1, 9)) * 50 + b"text")
    (tmp_path / "latin.txt").write_bytes("caf\u00e9 ok".encode("latin-1"))
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "README").write_text("x", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(make_pdf([["text"]])[:200])
    (tmp_path / "notpdf.pdf").write_bytes(b"hello, I am not a PDF")
    (tmp_path / "scan.pdf").write_bytes(make_pdf([[]]))
    (tmp_path / "nothing.html").write_text("<html><body></body></html>", encoding="utf-8")
    with (tmp_path / "huge.txt").open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    missing = tmp_path / "gone.txt"
    r = load([tmp_path, missing], LIMIT)
    assert [d.doc_id for d in r.docs] == ["good", "latin"]  # Latin-1 is detected, not rejected
    assert r.origins == (str((tmp_path / "good.txt").resolve()), str((tmp_path / "latin.txt").resolve()))
    assert str((tmp_path / "empty.txt").resolve()) in r.failed and str((tmp_path / "huge.txt").resolve()) in r.failed
    assert str((tmp_path / "report.docx").resolve()) in r.failed and len(r.failed) == 10
    got = reasons(r)
    assert got.pop("broken.pdf").startswith("corrupt PDF: ")
    assert got == {
        "blank.md": "no text after the front matter",
        "bin.txt": "binary content in a text file",
        "ctrl.txt": "binary content in a text file",
        "empty.txt": "empty file",
        "huge.txt": "file is 100.0 MB, over the 20 MB limit (GROUNDED_INGEST__MAX_FILE_MB)",
        "nothing.html": "no article text found in HTML",
        "notpdf.pdf": "corrupt PDF: no %PDF header (not a PDF file?)",
        "README": "unsupported file type (no extension) (supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx, "
                  ".jsonl)",
        "report.docx": "not a readable .docx file (BadZipFile)",
        "scan.pdf": "no extractable text (scanned PDF?)",
        str(missing): "no such file or directory",
    }


def test_invalid_utf8_offset_counts_the_bom(tmp_path):  # a UTF-8 BOM says UTF-8: no guessing after it
    (tmp_path / "x.txt").write_bytes(b"\xef\xbb\xbfab\xff")
    with pytest.raises(InputError, match=r"^not valid UTF-8 \(byte 0xff at offset 5\)$"):
        load_file(tmp_path / "x.txt", tmp_path, LIMIT)


def test_big_file_rejected_by_stat_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(100 * 1024 * 1024)

    def no_read(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "open", no_read)
    monkeypatch.setattr(Path, "read_bytes", no_read)
    t = time.perf_counter()
    with pytest.raises(InputError, match=r"^file is 100\.0 MB, over the 0\.5 MB limit"):
        load_file(big, tmp_path, limit_bytes(0.5))
    assert time.perf_counter() - t < 1.0


def test_discover_recursive_sorted_hidden_and_manifest(tmp_path):
    for rel in ("b.txt", "a/z.md", "a/b/c.html", ".hidden.txt", ".git/x.txt", "a/.cache/y.txt", "sources.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    pairs, skipped = discover([tmp_path, tmp_path / "b.txt"])
    assert [(f.relative_to(tmp_path).as_posix(), root) for f, root in pairs] == [
        ("a/b/c.html", tmp_path), ("a/z.md", tmp_path), ("b.txt", tmp_path)]
    assert skipped == []
    pairs, _ = discover([tmp_path / "b.txt"])
    assert pairs == [(tmp_path / "b.txt", tmp_path)]


def test_nested_doc_id_and_duplicates(tmp_path):
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    (tmp_path / "sub" / "dir" / "name.txt").write_text("nested", encoding="utf-8")
    (tmp_path / "a.txt").write_text("plain", encoding="utf-8")
    (tmp_path / "a.md").write_text("markdown", encoding="utf-8")
    r = load([tmp_path], LIMIT)
    assert sorted(by_id(r)) == ["a", "sub/dir/name"] and by_id(r)["a"].fmt == "md"
    assert by_id(r)["sub/dir/name"].source == "sub/dir/name.txt"
    assert reasons(r) == {"a.txt": "duplicate document id 'a' (also a.md)"}


def test_manifest_wins_fills_and_changes_hash(tmp_path):
    md = "---\ntitle: From front matter\nauthor: FM Author\n---\nBody.\n"
    (tmp_path / "doc.md").write_text(md, encoding="utf-8")
    (tmp_path / "other.md").write_text(md, encoding="utf-8")
    header = "file,title,publisher,author,published,url,language,notes\n"
    csv = tmp_path / "sources.csv"
    csv.write_text(header + "./doc.md,CSV title,CSV Pub,,not-a-date,,en,a note\n", encoding="utf-8")
    first = by_id(load([tmp_path], LIMIT))
    m = first["doc"].meta
    assert (m.title, m.publisher, m.author, m.published, m.language) == ("CSV title", "CSV Pub", "FM Author", None, "en")
    assert first["other"].meta.title == "From front matter"
    csv.write_text(header + "doc.md,CSV title,New Pub,,2025-05-14,,en,\n", encoding="utf-8")
    second = by_id(load([tmp_path], LIMIT))
    assert second["doc"].meta.publisher == "New Pub" and second["doc"].meta.published == "2025-05-14"
    assert second["doc"].content_hash != first["doc"].content_hash
    assert second["other"].content_hash == first["other"].content_hash


def test_broken_manifest_reported_once_files_still_load(tmp_path):
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    (tmp_path / "b.txt").write_text("two", encoding="utf-8")
    (tmp_path / "sources.csv").write_text("name,title\na.txt,x\n", encoding="utf-8")
    r = load([tmp_path], LIMIT)
    assert len(r.docs) == 2 and [s.reason.split(";")[0] for s in r.skipped] == ["sources.csv: no 'file' column "
                                                                              "(columns: file,title,publisher,"
                                                                              "author,published,url,language)"]


def test_corpus_loads_with_manifest_publishers():
    r = load([REPO / "corpus"], LIMIT)
    assert r.skipped == () and len(r.docs) == 5
    docs = by_id(r)
    assert docs["business-times-commerce-guidance-huawei-ascend"].meta.publisher == "The Business Times"
    assert docs["cgtn-us-chip-guidance-deeper-fears"].meta.publisher == "CGTN"
    assert docs["us-warns-against-huawei-ai-chips"].meta.publisher is None
    assert all(d.meta.language == "en" and d.fmt == "txt" and d.text.strip() for d in r.docs)


@pytest.mark.skipif(not CLAPNQ.exists(), reason=f"benchmark corpus missing: {CLAPNQ}")
def test_clapnq_corpus_gives_597_docs():
    r = load([CLAPNQ], LIMIT)
    assert len(r.docs) == 597 and r.skipped == ()
    assert r.docs[0].source == f"corpus.jsonl#{r.docs[0].doc_id}" and r.docs[0].meta.title


@pytest.mark.skipif(not ALEXNET.exists(), reason=f"benchmark PDF missing: {ALEXNET}")
def test_alexnet_pdf_page_spans_cover_the_text():
    r = load([ALEXNET], LIMIT)
    assert r.skipped == ()
    [doc] = r.docs
    assert doc.doc_id == "HistoryOfAlexnet" and doc.fmt == "pdf" and len(doc.pages) == 39
    assert [p.number for p in doc.pages] == list(range(1, 40))
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    for prev, page in zip(doc.pages, doc.pages[1:], strict=False):  # a sentence running on joins pages with " "
        assert prev.start <= prev.end and doc.text[prev.end:page.start] in ("\n\n", " ", "")
    assert "AlexNet" in doc.text and doc.meta.title is None  # the info title is a symbol glyph
    assert doc.page_at(doc.pages[9].start + 1) == 10


@pytest.mark.skipif(not SOLANA.exists(), reason=f"benchmark PDF missing: {SOLANA}")
def test_solana_pdf_loads():
    [doc] = load([SOLANA], LIMIT).docs
    assert len(doc.pages) == 27 and "Solana" in doc.text


def test_an_unforeseen_reader_failure_skips_only_that_file(tmp_path, monkeypatch):
    import ingest.load as load_mod

    (tmp_path / "good.txt").write_text("A perfectly good article about export controls.\n")
    (tmp_path / "boom.txt").write_text("This one makes the reader library blow up.\n")
    real = load_mod.load_file_report

    def flaky(path, *a, **kw):
        if path.name == "boom.txt":
            raise RuntimeError("library bug")
        return real(path, *a, **kw)

    monkeypatch.setattr(load_mod, "load_file_report", flaky)
    result = load_mod.load([tmp_path], 10**6)
    assert [d.doc_id for d in result.docs] == ["good"]
    assert [(s.source, s.reason) for s in result.skipped] == [("boom.txt", "unreadable (RuntimeError: library bug)")]
    assert str((tmp_path / "boom.txt").resolve()) in result.failed


def test_a_date_that_cannot_be_read_is_reported_not_dropped_in_silence(tmp_path):
    """`published: 02/06/2025` (day and month order unknown) was dropped without a word: the document had no date
    and nothing said why. A date written in another language ("2 juin 2025") is read."""
    (tmp_path / "a.md").write_text("---\ntitle: A\npublished: 02/06/2025\n---\nBody text.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: B\ndate: 2 juin 2025\n---\nBody text.\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("Body text.\n", encoding="utf-8")
    (tmp_path / "sources.csv").write_text("file,published\nc.txt,14.05.2025\n", encoding="utf-8")
    r = load([tmp_path], LIMIT)
    docs = by_id(r)
    assert (docs["a"].meta.published, docs["b"].meta.published, docs["c"].meta.published) == (None, "2025-06-02", None)
    reasons = {s.source: s.reason for s in r.skipped}
    assert "02/06/2025" in reasons["a.md"] and "YYYY-MM-DD" in reasons["a.md"]
    assert "14.05.2025" in reasons[str(tmp_path / "sources.csv")] and "c.txt" in reasons[str(tmp_path / "sources.csv")]
    assert len(r.docs) == 3  # the documents are still indexed, without that date
