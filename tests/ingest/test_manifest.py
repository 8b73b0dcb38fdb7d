"""The manifest: an index built before a column existed opens and gains it (its rows are rebuilt on next ingest)."""

from __future__ import annotations

import sqlite3

import pytest

from ingest.manifest import ADDED_COLUMNS, Manifest
from ingest.models import Chunk, CleanDoc, DocMeta, Page, Segment, SourceDoc

OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs (
    doc_id TEXT PRIMARY KEY, source TEXT, path TEXT, fmt TEXT, content_hash TEXT, state TEXT,
    meta TEXT, text TEXT, segments TEXT, removed TEXT, pages TEXT, n_chunks INTEGER, ingested_at TEXT);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT, ordinal INTEGER, start INTEGER, "end" INTEGER, page INTEGER,
    text TEXT, embed_text TEXT, cluster TEXT, also_in TEXT, deduped INTEGER DEFAULT 0);
INSERT INTO chunks VALUES ('c1', 'd', 0, 0, 5, 1, 'Hello', 'Hello', NULL, '[]', 1);
"""


def old_manifest(tmp_path) -> Manifest:
    """A Manifest opened on a file the old schema (OLD_SCHEMA) wrote."""
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.close()
    return Manifest(path)


def test_an_old_manifest_gains_the_new_columns(tmp_path):
    man = old_manifest(tmp_path)
    try:
        for table, columns in ADDED_COLUMNS.items():
            have = {r[1] for r in man.db.execute(f"PRAGMA table_info({table})")}
            assert {c.split()[0] for c in columns} <= have
        [row] = man.chunk_rows()
        assert row["pages"] == [] and row["page"] == 1 and row["text"] == "Hello"
    finally:
        man.close()


# --- the manifest's own API on small hand-made documents --------------------------------------------------------------

def _doc(doc_id, text, title="T"):
    src = SourceDoc(doc_id=doc_id, source=f"{doc_id}.txt", fmt="text", text=text, meta=DocMeta(title=title),
                    content_hash=f"h-{doc_id}", pages=(Page(1, 0, len(text)),))
    cd = CleanDoc(doc=src, text=text, meta=DocMeta(title=title, publisher="BIS"), segments=(Segment(0, 0, len(text)),))
    chunks = [Chunk(chunk_id=f"{doc_id}:{i}", doc_id=doc_id, ordinal=i, text=t, start=s, end=s + len(t), embed_text=t,
                    page=1) for i, (s, t) in enumerate(_pieces(text))]
    return cd, chunks, f"/src/{doc_id}.txt"


def _pieces(text):
    out, pos = [], 0
    for part in text.split(". "):
        out.append((pos, part))
        pos += len(part) + 2
    return out


@pytest.fixture
def man(tmp_path):
    m = Manifest(tmp_path / "sub" / "manifest.sqlite")
    yield m
    m.close()


def test_put_records_documents_and_chunks(man):
    man.put([_doc("d1", "§ 744.23 applies. Licence EL-2025-0001 is active"), _doc("d2", "Böhm met 北京 staff")],
             "2025-05-14T00:00:00")
    docs = man.docs()
    assert list(docs) == ["d1", "d2"]
    assert docs["d1"].state == "ready" and docs["d1"].n_chunks == 2 and docs["d1"].meta["publisher"] == "BIS"
    d = man.document("d2")
    assert d["text"] == "Böhm met 北京 staff" and d["ingested_at"] == "2025-05-14T00:00:00"
    assert d["dropped"] == [] and d["page_starts"] == [[0, 1]]
    rows = man.chunk_rows("d1")
    assert [r["text"] for r in rows] == ["§ 744.23 applies", "Licence EL-2025-0001 is active"]
    assert rows[1]["start"] == 18 and rows[1]["also_in"] == [] and rows[1]["pages"] == []
    assert man.document("nope") is None


def test_put_again_replaces_the_chunks(man):
    man.put([_doc("d1", "One. Two. Three")], "t1")
    man.put([_doc("d1", "Only one")], "t2")
    assert [r["chunk_id"] for r in man.chunk_rows()] == ["d1:0"]
    assert man.docs()["d1"].n_chunks == 1


def test_chunk_rows_by_ids_beyond_one_batch(man):
    text = ". ".join(f"s{i}" for i in range(1203))
    man.put([_doc("d", text)], "t")
    ids = [f"d:{i}" for i in range(0, 1203, 1)]
    assert len(man.chunk_rows(ids=ids)) == 1203
    assert man.chunk_rows(ids=[]) == [] and man.chunk_rows(ids=["missing"]) == []


def test_meta_get_set_and_reset(man):
    assert man.get("corpus_version") is None and man.get("x", "default") == "default"
    man.set(corpus_version="v1", bm25="bm25-v1")
    assert man.get("corpus_version") == "v1" and man.get("bm25") == "bm25-v1"
    man.put([_doc("d1", "A. B")], "t")
    man.reset()
    assert man.get("corpus_version") is None and man.docs() == {} and man.chunk_ids() == set()


def test_a_failed_transaction_is_rolled_back(man):
    with pytest.raises(RuntimeError), man.tx() as db:
        db.execute("INSERT INTO meta VALUES ('k', 'v')")
        raise RuntimeError("crash")
    assert man.get("k") is None
    man.set(k="after")  # the connection is usable again
    assert man.get("k") == "after"


def test_dedupe_bookkeeping(man):
    man.put([_doc("a", "X. Y"), _doc("b", "X. Z")], "t")
    assert man.undeduped() == ["a:0", "a:1", "b:0", "b:1"]
    man.add_pairs(["a:0", "b:0"], [("a:0", "b:0", 1.0), ("b:0", "a:0", 0.9)])
    assert man.undeduped() == ["a:1", "b:1"]
    assert sorted(man.pairs()) == [("a:0", "b:0", 1.0), ("b:0", "a:0", 0.9)]
    assert man.linked_count() == 0
    man.set_clusters({"a:0": ("a:0", ["b"]), "b:0": ("a:0", ["a"])})
    assert man.linked_count() == 2
    row = man.chunk_rows(ids=["b:0"])[0]
    assert row["cluster"] == "a:0" and row["also_in"] == ["a"]


def test_removing_a_document_drops_its_chunks_and_links(man):
    man.put([_doc("a", "X. Y"), _doc("b", "X. Z")], "t")
    man.add_pairs(["a:0"], [("a:0", "b:0", 1.0)])
    man.remove(["b"])
    assert list(man.docs()) == ["a"] and man.chunk_ids() == {"a:0", "a:1"} and man.pairs() == []


def test_mark_pending(man):
    man.put([_doc("a", "X"), _doc("b", "Y")], "t")
    man.mark_pending(["a"])
    assert {d: r.state for d, r in man.docs().items()} == {"a": "pending", "b": "ready"}


def test_bm25_corpus_is_ordered_by_chunk_id(man):
    man.put([_doc("b", "B1. B2"), _doc("a", "A1")], "t")
    assert man.bm25_corpus() == (["a:0", "b:0", "b:1"], ["A1", "B1", "B2"])
