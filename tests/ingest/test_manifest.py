"""The manifest: an index built before a column existed opens and gains it (its rows are rebuilt on next ingest)."""

from __future__ import annotations

import sqlite3

from ingest.manifest import ADDED_COLUMNS, Manifest

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


def test_an_old_manifest_gains_the_new_columns(tmp_path):
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.close()
    man = Manifest(path)
    try:
        for table, columns in ADDED_COLUMNS.items():
            have = {r[1] for r in man.db.execute(f"PRAGMA table_info({table})")}
            assert {c.split()[0] for c in columns} <= have
        [row] = man.chunk_rows()
        assert row["pages"] == [] and row["page"] == 1 and row["text"] == "Hello"
    finally:
        man.close()
