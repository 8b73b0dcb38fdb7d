"""ingest.summary: the plain-text reports of `python -m ingest`, `ingest remove` and `ingest show`, from values built
here (no index, no model)."""

from __future__ import annotations

from pathlib import Path

from ingest.models import Skipped
from ingest.pipeline import IngestReport
from ingest.summary import format_document, format_documents, format_removal, format_report
from kernel.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path)


def test_report_counts_every_outcome_and_lists_skips_last(tmp_path):
    r = IngestReport(added=["a", "b"], updated=["c"], unchanged=["d"], removed=["old"], repaired=["e"],
                     skipped=[Skipped("corpus/x.bin", "binary file")], documents=4, chunks=20, chunks_embedded=12,
                     duplicate_chunks=3, corpus_version="v9", seconds=1.234, rebuilt=True,
                     encodings={"c": "cp1252"})
    text = format_report(r, [Path("corpus"), Path("more")], _settings(tmp_path))
    lines = text.splitlines()
    assert lines[0] == f"Ingested corpus, more into {_settings(tmp_path).index_dir} (rebuilt) in 1.23 s"
    assert lines[1] == "  documents: 2 added, 1 updated, 1 removed, 1 unchanged, 1 skipped; 4 in the index"
    assert lines[2] == "  chunks:    20 in the index, 12 embedded this run; 3 also carried by another document " \
                       "(syndicated copies)"
    assert "  corpus version: v9" in lines and "  repaired after an interrupted run: e" in lines
    assert "  removed: old" in lines
    assert "  decoded from another encoding than UTF-8: c (Windows-1252)" in lines
    assert lines[-2:] == ["Skipped, in whole or in part:", "  corpus/x.bin: binary file"]


def test_a_quiet_run_has_no_optional_lines(tmp_path):
    text = format_report(IngestReport(unchanged=["a"], documents=1, chunks=2), [Path("corpus")], _settings(tmp_path))
    assert "(rebuilt)" not in text and "removed:" not in text and "Skipped" not in text and "repaired" not in text
    assert len(text.splitlines()) == 4


def test_removal_report_names_files_still_on_disk_and_orphans(tmp_path):
    r = IngestReport(removed=["a"], documents=2, chunks=7, corpus_version="v2", seconds=0.5,
                     still_on_disk={"a": "/data/a.txt"}, orphans={"z": "/gone/z.txt", "y": "/gone/y.txt"})
    lines = format_removal(r, _settings(tmp_path)).splitlines()
    assert lines[0] == f"Removed a from {_settings(tmp_path).index_dir} in 0.50 s"
    assert lines[1] == "  the index holds 2 documents, 7 chunks; corpus version: v2"
    assert lines[2] == "  note: a's file /data/a.txt still exists: ingesting its folder adds it again"
    assert lines[3].startswith("  2 indexed document(s) whose file is gone") and ": y, z; remove with" in lines[3]


def test_documents_table_is_aligned_with_dashes_for_missing_values():
    assert format_documents([]).startswith("The index holds no documents.")
    docs = [{"doc_id": "short", "title": "T" * 80, "publisher": None, "published": "2025-05-14", "chunks": 3},
            {"doc_id": "a-much-longer-id", "title": None, "publisher": "CGTN", "published": None, "chunks": 12}]
    lines = format_documents(docs).splitlines()
    assert lines[0].split() == ["id", "title", "publisher", "published", "chunks"]
    assert lines[1].split() == ["short", "T" * 60, "-", "2025-05-14", "3"]  # titles cut at 60 characters
    assert lines[2].split() == ["a-much-longer-id", "CGTN", "-", "12"]
    assert lines[0].index("title") == lines[1].index("T") == len("a-much-longer-id  ")  # columns line up
    assert lines[0].index("publisher") == lines[2].index("CGTN")
    assert all(line == line.rstrip() for line in lines)


def test_document_shows_meta_text_chunks_pages_and_what_was_left_out():
    doc = {"doc_id": "memo", "source": "corpus/memo.pdf", "fmt": "pdf", "encoding": None,
           "meta": {"title": "Memo", "publisher": None}, "text": "Body text.",
           "chunks": [{"ordinal": 0, "start": 0, "end": 10, "page": 1, "pages": [[0, 1], [5, 2]], "also_in": ["copy"],
                       "text": "Body text."},
                      {"ordinal": 1, "start": 10, "end": 12, "page": None, "also_in": [], "text": "x"}],
           "dropped": [{"reason": "header", "page": 2, "text": "ACME CONFIDENTIAL"}],
           "removed": [[3, 9, "cookie banner"]]}
    text = format_document(doc)
    assert text.startswith("# memo  (corpus/memo.pdf)\ntitle: Memo\nformat: pdf\n\nBody text.\n\n## 2 chunks\n")
    assert "[0] 0-10 p.1-2  also in: copy\n    Body text." in text
    assert "[1] 10-12\n    x" in text
    assert "## left out by the PDF reader: 1\n  header (p.2): ACME CONFIDENTIAL" in text
    assert text.endswith("## removed by cleaning: 1 spans\n  3-9: cookie banner")
    assert "encoding" not in format_document(doc)
    assert "format: txt, encoding: Windows-1252" in format_document({**doc, "fmt": "txt", "encoding": "cp1252"})
