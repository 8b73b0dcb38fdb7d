"""The manifest: SQLite record of every document, chunk and duplicate link; the source of truth for repairs.

Chroma and the BM25 files are derived from it: every run first reconciles them with the manifest, so a
crash at any point leaves an index that the next run repairs to exactly what a clean build gives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingest import generations
from ingest.models import Chunk, CleanDoc, clean_page_starts
from kernel.errors import IndexUnavailableError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, source TEXT, path TEXT, fmt TEXT, content_hash TEXT, state TEXT,
    meta TEXT, text TEXT, segments TEXT, removed TEXT, pages TEXT, n_chunks INTEGER, ingested_at TEXT,
    encoding TEXT, dropped TEXT);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT, ordinal INTEGER, start INTEGER, "end" INTEGER, page INTEGER,
    text TEXT, embed_text TEXT, cluster TEXT, also_in TEXT, deduped INTEGER DEFAULT 0, pages TEXT);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS dup_pairs (a TEXT, b TEXT, score REAL, PRIMARY KEY (a, b));
"""
# Columns added after the first release: an older manifest gets them on open (its rows are rebuilt anyway, since
# the shaping hash changed with them; except `units`, a chunk's evidence-unit spans (ingest.units), which no setting
# shapes: a row without them is split when it is read, as before the column).
# `gen`: the generation from which a chunk or document row is visible to readers (ingest.generations).
ADDED_COLUMNS = {"docs": ("encoding TEXT", "dropped TEXT", "gen INTEGER DEFAULT 0"),
                 "chunks": ("pages TEXT", "lexical_text TEXT", "units TEXT", "gen INTEGER DEFAULT 0")}


@dataclass(frozen=True)
class DocRow:
    """A document's manifest entry without its text."""

    doc_id: str
    source: str
    path: str
    fmt: str
    content_hash: str
    state: str
    meta: dict
    n_chunks: int


class Manifest:
    """SQLite in WAL mode: readers (API processes) never block the one writer (ingest, under its lock)."""

    def __init__(self, path: Path):
        """Open (or create) the manifest at `path`; IndexUnavailableError when the file is not a readable SQLite
        database (`python -m ingest` then rebuilds it: `open_repairing`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.generation: int | None = None  # the generation a reader reads (ingest.index pins it); None: the newest
        try:
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            self._setup()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            error = IndexUnavailableError(f"the index manifest {path} is damaged ({exc}): run `python -m ingest` to "
                                          "rebuild the index")
            error.reason = str(exc)
            raise error from None

    def _setup(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        for table, columns in ADDED_COLUMNS.items():
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        self.db.executescript(generations.SCHEMA)

    def close(self) -> None:
        self.db.close()

    def damage(self) -> str | None:
        """What SQLite's quick check finds wrong with the file (None: nothing)."""
        try:
            rows = [r[0] for r in self.db.execute("PRAGMA quick_check")]
            self.db.execute("SELECT count(*) FROM docs").fetchone()
            self.db.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(rows[:3])


    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set(self, **values: str) -> None:
        with self.tx() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    def reset(self) -> None:
        """Forget everything (a rebuild)."""
        with self.tx() as db:
            for table in ("meta", "docs", "chunks", "dup_pairs", "retired", "retired_docs", "switches"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def _doc_rows(self, cols: str, doc_id: str | None = None) -> list[tuple]:
        """`cols` (SQL, the first one doc_id) of every document's row, by doc_id, or of `doc_id`'s: the rows a reader
        of `self.generation` sees (ingest.generations); when it is None, the newest ones (the writer's)."""
        gen = self.generation
        one, args = ("", ()) if doc_id is None else (" AND doc_id=?", (doc_id,))
        if gen is None:
            return self.db.execute(f"SELECT {cols} FROM docs WHERE 1=1{one} ORDER BY doc_id", args).fetchall()
        rows = {r[0]: r for r in self.db.execute(f"SELECT {cols} FROM docs WHERE gen <= ?{one}", (gen, *args))}
        if generations.retired_after(self.db, gen, "retired_docs"):  # an ingest replaced or removed some past `gen`
            rows.update((r[0], r) for r in self.db.execute(
                f"SELECT {cols} FROM retired_docs WHERE gen <= ? AND retired_gen > ?{one}", (gen, gen, *args)))
        return [rows[d] for d in sorted(rows)]

    def docs(self) -> dict[str, DocRow]:
        """Every document's entry, by doc_id (those a reader of `self.generation` sees; see `chunk_rows`)."""
        rows = self._doc_rows("doc_id, source, path, fmt, content_hash, state, meta, n_chunks")
        return {r[0]: DocRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}"), r[7] or 0) for r in rows}

    def document(self, doc_id: str) -> dict | None:
        """Everything about one document: metadata, cleaned text, removals, pages, encoding, what the reader dropped.

        `removed`: `[[raw_start, raw_end, reason], ...]` spans of the source text cleaning dropped; `dropped`:
        `[{"reason", "text", "page"}, ...]` what the format reader left out of the source text; `pages`:
        `[[number, raw_start, raw_end], ...]`; `page_starts`: `[[clean_offset, page], ...]` for `page_at`. The row a
        reader of `self.generation` sees (its text is its chunks' text); None when it sees none.
        """
        found = self._doc_rows("doc_id, source, fmt, content_hash, meta, text, segments, removed, pages, n_chunks, "
                               "ingested_at, encoding, dropped", doc_id)
        if not found:
            return None
        r = found[0]
        keys = ("doc_id", "source", "fmt", "content_hash", "meta", "text", "segments", "removed", "pages",
                "chunks", "ingested_at", "encoding", "dropped")
        out = dict(zip(keys, r, strict=True))
        for k in ("meta", "segments", "removed", "pages", "dropped"):
            out[k] = json.loads(out[k] or "null")
        out["dropped"] = out["dropped"] or []
        out["page_starts"] = [list(p) for p in clean_page_starts(out.pop("segments") or [], out["pages"] or [],
                                                                   len(out["text"] or ""))]
        return out

    def chunk_rows(self, doc_id: str | None = None, ids: Iterable[str] | None = None, units: bool = False
                   ) -> list[dict]:
        """Chunk rows (ordered by document and ordinal, or as found for `ids`): chunk_id, doc_id, ordinal, start,
        end, page (where it starts), pages (`[[offset, page], ...]`, see `ingest.models.page_at`; [] if unpaged),
        text, embed_text, cluster, also_in; with `units`, also the stored evidence-unit spans (`ingest.units.encode`,
        undecoded; None for a row written before they were stored). The rows a reader of `self.generation` sees
        (ingest.generations); when it is None, the newest ones (the writer's)."""
        gen = self.generation
        cols = ("chunk_id", "doc_id", "ordinal", "start", "end", "page", "pages", "text", "embed_text", "cluster",
                "also_in", *(("units",) if units else ()))
        out = self._select("chunks", cols, doc_id, ids, "" if gen is None else " AND gen <= ?",
                           () if gen is None else (gen,))
        if gen is not None and generations.retired_after(self.db, gen):  # an ingest is writing past `gen`
            old = {r["chunk_id"]: r for r in self._select("retired", cols, doc_id, ids,
                                                          " AND gen <= ? AND retired_gen > ?", (gen, gen))}
            out = [old.pop(r["chunk_id"], r) for r in out] + list(old.values())
            if ids is None:
                out.sort(key=lambda r: (r["doc_id"], r["ordinal"]))
        for row in out:  # most chunks have neither: no JSON decode for them
            also, pages = row["also_in"], row["pages"]
            row["also_in"] = json.loads(also) if also and also != "[]" else []
            row["pages"] = json.loads(pages) if pages and pages != "[]" else []
        return out

    def _select(self, table: str, cols: tuple[str, ...], doc_id: str | None, ids: Iterable[str] | None, cond: str,
                args: tuple) -> list[dict]:
        """`cols` of `table`'s rows of one document (by ordinal), of `ids`, or all (by document, ordinal), that
        also meet `cond` (an SQL fragment " AND ...") with `args`; JSON columns undecoded."""
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f"SELECT {names} FROM {table} WHERE 1=1"  # noqa: S608 - fixed table and column names
        if doc_id is not None:
            rows = self.db.execute(sql + " AND doc_id=?" + cond + " ORDER BY ordinal", (doc_id, *args)).fetchall()
        elif ids is not None:
            ids = list(ids)
            rows = []
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                rows += self.db.execute(sql + f" AND chunk_id IN ({','.join('?' * len(part))})" + cond,
                                        (*part, *args)).fetchall()
        else:
            rows = self.db.execute(sql + cond + " ORDER BY doc_id, ordinal", args).fetchall()
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    def put(self, entries: Iterable[tuple[CleanDoc, list[Chunk], str]], now: str, gen: int = 0) -> list[str]:
        """Record documents (cleaned) and their chunks as ready, replacing what they had, in one transaction; each
        chunk with its evidence-unit spans (`ingest.units`), so that questions do not split it again. With `gen` (the
        generation being written, ingest.generations), replaced chunk and document rows that readers of earlier
        generations see are retired, not lost; returns the ids of replaced rows nobody saw (written earlier by the same `gen`)."""
        from ingest import units

        unseen: list[str] = []
        with self.tx() as db:
            for doc, chunks, path in entries:
                d = doc.doc
                carried: dict[str, int] = {}
                if gen:
                    carried, dropped = generations.retire(db, d.doc_id, gen, (c.chunk_id for c in chunks))
                    unseen += dropped
                    generations.retire_doc(db, d.doc_id, gen)
                self._drop_chunks(db, d.doc_id)
                db.execute(
                    "INSERT OR REPLACE INTO docs (doc_id, source, path, fmt, content_hash, state, meta, text, segments, "
                    "removed, pages, n_chunks, ingested_at, encoding, dropped, gen) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (d.doc_id, d.source, path, d.fmt, d.content_hash, "ready", json.dumps(doc.meta.as_dict()),
                     doc.text, json.dumps([[s.clean_start, s.raw_start, s.length] for s in doc.segments]),
                     json.dumps([[r.raw_start, r.raw_end, r.reason] for r in doc.removed]),
                     json.dumps([[p.number, p.start, p.end] for p in d.pages]), len(chunks), now, d.encoding,
                     json.dumps([{"reason": x.reason, "text": x.text, "page": x.page} for x in d.dropped]), gen))
                db.executemany(
                    'INSERT INTO chunks (chunk_id, doc_id, ordinal, start, "end", page, text, embed_text, cluster, '
                    "also_in, deduped, pages, lexical_text, units, gen) VALUES (?,?,?,?,?,?,?,?,NULL,'[]',0,?,?,?,?)",
                    [(c.chunk_id, c.doc_id, c.ordinal, c.start, c.end, c.page, c.text, c.embed_text,
                      json.dumps([list(p) for p in c.pages]) if c.pages else None, c.lexical_text, units.encode(c.text),
                      carried.get(c.chunk_id, gen)) for c in chunks])
        return unseen

    def fill_units(self, batch: int = 5000) -> int:
        """Store the evidence-unit spans of the chunks written before they were stored (`units` NULL), or with
        another `ingest.units.UNITS_VERSION`; how many were filled. For the writer (ingest) only; an index without
        them works as before, its chunks split when read."""
        from ingest import units

        done = 0
        while True:
            v = units.UNITS_VERSION
            rows = self.db.execute("SELECT chunk_id, text FROM chunks WHERE units IS NULL OR (units NOT LIKE ? AND "
                                   "units != ?) LIMIT ?", (f"[{v},%", f"[{v}]", batch)).fetchall()
            if not rows:
                return done
            with self.tx() as db:
                db.executemany("UPDATE chunks SET units=? WHERE chunk_id=?", [(units.encode(t), c) for c, t in rows])
            done += len(rows)

    @staticmethod
    def _drop_chunks(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM dup_pairs WHERE a IN (SELECT chunk_id FROM chunks WHERE doc_id=?) "
                   "OR b IN (SELECT chunk_id FROM chunks WHERE doc_id=?)", (doc_id, doc_id))
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))

    def remove(self, doc_ids: Iterable[str], gen: int = 0) -> list[str]:
        """Take documents and their chunks out; with `gen` (as `put`), the rows readers of earlier generations see are
        retired. Returns the ids of removed rows nobody saw."""
        unseen: list[str] = []
        with self.tx() as db:
            for doc_id in doc_ids:
                if gen:
                    unseen += generations.retire(db, doc_id, gen)[1]
                    generations.retire_doc(db, doc_id, gen)
                self._drop_chunks(db, doc_id)
                db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,))
        return unseen

    def mark_pending(self, doc_ids: Iterable[str]) -> None:
        with self.tx() as db:
            db.executemany("UPDATE docs SET state='pending' WHERE doc_id=?", [(d,) for d in doc_ids])

    def undeduped(self) -> list[str]:
        """Chunks not yet compared with the rest of the index for syndicated copies."""
        return [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE deduped=0 ORDER BY chunk_id")]

    def add_pairs(self, checked: Iterable[str], pairs: Iterable[tuple[str, str, float]]) -> None:
        """Record links (a carried by b) found for the `checked` chunks, and mark those chunks as compared."""
        with self.tx() as db:
            db.executemany("INSERT OR REPLACE INTO dup_pairs VALUES (?,?,?)",
                           list(pairs))
            db.executemany("UPDATE chunks SET deduped=1 WHERE chunk_id=?", [(c,) for c in checked])

    def pairs(self) -> list[tuple[str, str, float]]:
        return list(self.db.execute("SELECT a, b, score FROM dup_pairs"))

    def set_clusters(self, updates: dict[str, tuple[str | None, list[str]]]) -> None:
        with self.tx() as db:
            db.executemany("UPDATE chunks SET cluster=?, also_in=? WHERE chunk_id=?",
                           [(c, json.dumps(a), cid) for cid, (c, a) in updates.items()])

    def linked_count(self) -> int:
        """Chunks that are also carried by another document (syndicated copies)."""
        return self.db.execute("SELECT count(*) FROM chunks WHERE also_in != '[]'").fetchone()[0]

    def bm25_corpus(self) -> tuple[list[str], list[str]]:
        """(chunk ids, texts) for BM25, by chunk id: each chunk's `lexical_text` where it has one (a paragraph's
        short tail with the sentences before it), else its `embed_text`."""
        rows = self.db.execute("SELECT chunk_id, COALESCE(lexical_text, embed_text) FROM chunks "
                               "ORDER BY chunk_id").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]


def open_repairing(path: Path) -> tuple[Manifest, str | None]:
    """The manifest for an ingest run, and a note when it had to be replaced: a damaged file (not a database, or
    failing SQLite's quick check) is moved aside to `manifest.sqlite.damaged` and a new one started, so that the run
    rebuilds the index from the sources (the vector store's chunks it no longer lists are deleted as strays); a missing
    manifest next to an existing index is said too. (The API only reads: it refuses a damaged manifest with a 503.)"""
    existed = path.exists()
    leftovers = existed or any(path.parent.glob("bm25-*")) or (path.parent / "chroma").exists()
    try:
        man = Manifest(path)
        problem = man.damage()
        if problem is None:
            note = None if existed or not leftovers else (
                f"the index manifest {path} was missing: the index is rebuilt from the sources")
            return man, note
        man.close()
    except IndexUnavailableError as exc:
        problem = getattr(exc, "reason", str(exc))
    aside = path.with_name(path.name + ".damaged")
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            src.replace(aside.with_name(aside.name + suffix))
    return Manifest(path), (f"the index manifest was damaged ({problem}): moved aside to {aside.name}; the index is "
                            "rebuilt from the sources")
