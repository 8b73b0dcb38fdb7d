"""Corpus generations: readers keep answering from one consistent corpus version while ingest writes the next.

Each ingest run writes generation N = (the published generation G) + 1. A chunk row and a document row carry `gen`,
the generation from which they are visible; a row a run replaces or removes is not deleted but copied to `retired`
(chunks) or `retired_docs` (documents) with `retired_gen` N (visible to readers of generations before N). A reader
pins (corpus version, generation, BM25 directory) in one statement and sees, at generation G, the rows with
`gen <= G`, each overridden by its retired copy with `gen <= G < retired_gen` (an unchanged chunk of a changed
document keeps its id, and its old offsets for old readers; a document's old text stays with its old chunks).
The switch is one manifest transaction (`publish`), which records when generation N was switched to (`switches`).
The vectors of retired chunks stay in the store, their rows in the manifest, and each generation's BM25 directory
on disk, until `GRACE_S` seconds after the switch that retired them, counted per switch (`expired`, `purge` run by
every ingest): two switches a moment apart do not cut short the grace period of the first one's readers. A request
also records the generation it reads, a lease (ingest.manifest_readers): the purge spares every generation a live
lease pins, however long after its switch; the grace period protects a request whose lease could not be written.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

GRACE_S = 5.0  # seconds after a switch during which the superseded chunks stay readable
SCHEMA = """
CREATE TABLE IF NOT EXISTS retired (
    chunk_id TEXT, retired_gen INTEGER, gen INTEGER, doc_id TEXT, ordinal INTEGER, start INTEGER, "end" INTEGER,
    page INTEGER, pages TEXT, text TEXT, embed_text TEXT, cluster TEXT, also_in TEXT, units TEXT,
    PRIMARY KEY (chunk_id, retired_gen));
CREATE INDEX IF NOT EXISTS retired_by_gen ON retired(retired_gen);
CREATE INDEX IF NOT EXISTS retired_by_doc ON retired(doc_id);
CREATE INDEX IF NOT EXISTS chunks_by_gen ON chunks(gen);
CREATE TABLE IF NOT EXISTS retired_docs (
    doc_id TEXT, retired_gen INTEGER, gen INTEGER, source TEXT, path TEXT, fmt TEXT, content_hash TEXT, state TEXT,
    meta TEXT, text TEXT, segments TEXT, removed TEXT, pages TEXT, n_chunks INTEGER, ingested_at TEXT, encoding TEXT,
    dropped TEXT, PRIMARY KEY (doc_id, retired_gen));
CREATE INDEX IF NOT EXISTS retired_docs_by_gen ON retired_docs(retired_gen);
CREATE TABLE IF NOT EXISTS switches (gen INTEGER PRIMARY KEY, at REAL, bm25 TEXT);
"""
DOC_COLUMNS = ("source", "path", "fmt", "content_hash", "state", "meta", "text", "segments", "removed", "pages",
               "n_chunks", "ingested_at", "encoding", "dropped")
_COPY = ('INSERT OR IGNORE INTO retired (chunk_id, retired_gen, gen, doc_id, ordinal, start, "end", page, pages, text, '
         'embed_text, cluster, also_in, units) SELECT chunk_id, ?, gen, doc_id, ordinal, start, "end", page, pages, '
         "text, embed_text, cluster, also_in, units FROM chunks WHERE chunk_id=?")
_COPY_DOC = (f"INSERT OR IGNORE INTO retired_docs (doc_id, retired_gen, gen, {', '.join(DOC_COLUMNS)}) SELECT doc_id, "
             f"?, COALESCE(gen, 0), {', '.join(DOC_COLUMNS)} FROM docs WHERE doc_id=? AND COALESCE(gen, 0) < ?")


@dataclass(frozen=True)
class Pin:
    """What a reader opened: the corpus version, its generation and its BM25 directory (None: no index yet)."""

    version: str
    generation: int
    bm25: str | None


def pin(db: sqlite3.Connection) -> Pin:
    """The published (corpus version, generation, BM25 directory), read in one statement (one snapshot)."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('corpus_version', 'generation', 'bm25')"))
    return Pin(meta.get("corpus_version") or "", int(meta.get("generation") or 0), meta.get("bm25"))


def published(db: sqlite3.Connection) -> int:
    """The generation readers are told to open (0 for an index written before generations)."""
    return pin(db).generation


def retire(db: sqlite3.Connection, doc_id: str, gen: int, keep: Iterable[str] = ()) -> tuple[dict[str, int], list[str]]:
    """Inside the caller's transaction, before a document's chunk rows are replaced (or removed: `keep` empty) by
    generation `gen`: copy its rows visible before `gen` to `retired`. Returns ({chunk id of `keep`: the generation its
    row keeps, for ids visible before `gen`}, ids of its rows written by the unpublished `gen` itself and not kept:
    nobody ever saw them, the caller deletes them from the store at once)."""
    keep = set(keep)
    rows = db.execute("SELECT chunk_id, gen FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
    carried, unseen = {}, []
    for cid, g in rows:
        g = g or 0
        if g < gen:
            db.execute(_COPY, (gen, cid))
            if cid in keep:
                carried[cid] = g
        elif cid not in keep:
            unseen.append(cid)
    back = [c for c in keep if c not in carried]  # retired by a killed run of this same generation, now kept again
    for i in range(0, len(back), 500):
        part = back[i:i + 500]
        carried.update(db.execute(f"SELECT chunk_id, gen FROM retired WHERE retired_gen=? AND gen<? AND chunk_id IN "
                                  f"({','.join('?' * len(part))})", (gen, gen, *part)).fetchall())
    return carried, unseen


def retire_doc(db: sqlite3.Connection, doc_id: str, gen: int) -> None:
    """Inside the caller's transaction, before a document's row is replaced (or removed) by generation `gen`: copy
    it to `retired_docs` when readers of earlier generations see it (a row the unpublished `gen` wrote itself is
    just replaced: nobody saw it)."""
    db.execute(_COPY_DOC, (gen, doc_id, gen))


def retired_after(db: sqlite3.Connection, gen: int, table: str = "retired") -> bool:
    """Whether some retired row of `table` (`retired`: chunks, `retired_docs`: documents) is still visible to readers
    of generation `gen` (an ingest wrote past it)."""
    sql = f"SELECT 1 FROM {table} WHERE retired_gen > ? LIMIT 1"  # noqa: S608 - a fixed table name
    return db.execute(sql, (gen,)).fetchone() is not None


def invisible(db: sqlite3.Connection, gen: int) -> int:
    """At most how many chunk ids in the store a reader of generation `gen` must not see: rows of later generations,
    live or already retired again, and retired rows awaiting their purge (an upper bound; 0 when nobody writes or
    waits)."""
    later = db.execute("SELECT count(*) FROM chunks WHERE gen > ?", (gen,)).fetchone()[0]
    old = db.execute("SELECT count(*) FROM retired WHERE retired_gen <= ? OR gen > ?", (gen, gen)).fetchone()[0]
    return later + old


def visible(db: sqlite3.Connection, ids: list[str], gen: int) -> set[str]:
    """The ids among `ids` that a reader of generation `gen` sees."""
    out: set[str] = set()
    for i in range(0, len(ids), 400):
        part = ids[i:i + 400]
        marks = ",".join("?" * len(part))
        out.update(r[0] for r in db.execute(
            f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks}) AND gen <= ? UNION "
            f"SELECT chunk_id FROM retired WHERE chunk_id IN ({marks}) AND gen <= ? AND retired_gen > ?",
            (*part, gen, *part, gen, gen)))
    return out


def hidden(db: sqlite3.Connection, ids: list[str], gen: int) -> set[str]:
    """The ids among `ids` that the manifest knows and a reader of generation `gen` must not see (ids it does not
    know at all, strays of a killed run, are left to the reader, which never cites a chunk without its row)."""
    known: set[str] = set()
    for i in range(0, len(ids), 400):
        part = ids[i:i + 400]
        marks = ",".join("?" * len(part))
        known.update(r[0] for r in db.execute(f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks}) UNION "
                                              f"SELECT chunk_id FROM retired WHERE chunk_id IN ({marks})", (*part, *part)))
    return known - visible(db, sorted(known), gen) if known else set()


def publish(db: sqlite3.Connection, gen: int, **values: str) -> None:
    """Inside the caller's transaction: make generation `gen` (with `values`: corpus_version, bm25, ...) the one
    readers open, and record when (`switches`, with its BM25 directory: kept until its readers' grace is over)."""
    before = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('bm25', 'generation')"))
    if before.get("bm25") and before.get("bm25") != values.get("bm25"):
        values["bm25_previous"] = before["bm25"]
    now = time.time()
    values.update(generation=str(gen), published_at=repr(now))
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))
    db.execute("INSERT OR REPLACE INTO switches VALUES (?, ?, ?)", (gen, now, values.get("bm25")))


def _switched(db: sqlite3.Connection) -> tuple[int, dict[int, float]]:
    """(the published generation, {generation: when it was switched to}) for the generations up to it that the
    manifest recorded; the published one always (an index written before `switches` has its `published_at`)."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'published_at')"))
    gen = int(meta.get("generation") or 0)
    switched = dict(db.execute("SELECT gen, at FROM switches WHERE gen <= ?", (gen,)).fetchall())
    switched.setdefault(gen, float(meta.get("published_at") or 0))
    return gen, switched


def outgrown(db: sqlite3.Connection, grace: float | None = None, now: float | None = None) -> int:
    """The newest generation switched to at least `grace` seconds (default GRACE_S) before `now` (Unix seconds):
    every row it or an older switch retired was hidden from new readers that long ago (a generation the manifest has
    no time for was switched to no later than the next recorded one, so its time stands in). 0 when no switch is
    that old. Readers' leases may hold the purge below it (ingest.manifest_readers.fence)."""
    cutoff = (time.time() if now is None else now) - (GRACE_S if grace is None else grace)
    return max((g for g, at in _switched(db)[1].items() if at <= cutoff), default=0)


def expired(db: sqlite3.Connection, grace: float | None = None, now: float | None = None,
            upto: int | None = None) -> tuple[int, list[str]]:
    """(upto, the chunk ids that leave the store once what generations up to `upto` retired is purged: retired up to
    it, no longer live and not retired later). `upto` defaults to `outgrown(db, grace, now)`. Nothing changes."""
    upto = outgrown(db, grace, now) if upto is None else upto
    ids = [r[0] for r in db.execute(
        "SELECT DISTINCT chunk_id FROM retired r WHERE retired_gen <= ? AND NOT EXISTS (SELECT 1 FROM chunks c WHERE "
        "c.chunk_id=r.chunk_id) AND NOT EXISTS (SELECT 1 FROM retired s WHERE s.chunk_id=r.chunk_id AND "
        "s.retired_gen > ?)", (upto, upto))]
    return upto, ids


def forget(db: sqlite3.Connection, upto: int) -> int:
    """Delete the retired chunk and document rows up to generation `upto` (after their vectors left the store), and
    the switch times before it; how many rows."""
    n = db.execute("DELETE FROM retired WHERE retired_gen <= ?", (upto,)).rowcount
    n += db.execute("DELETE FROM retired_docs WHERE retired_gen <= ?", (upto,)).rowcount
    db.execute("DELETE FROM switches WHERE gen < ?", (upto,))
    return n


def waiting(db: sqlite3.Connection) -> bool:
    """Whether some retired row or an old switch time awaits `forget`."""
    return retired_after(db, -1) or retired_after(db, -1, "retired_docs") or \
        db.execute("SELECT count(*) FROM switches").fetchone()[0] > 1


def kept_bm25(db: sqlite3.Connection, upto: int) -> set[str]:
    """The BM25 directories readers may still open once what generations up to `upto` retired is purged: the
    published one and those of generations `upto` and later (their readers are inside their grace period)."""
    meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'bm25', 'bm25_previous')"))
    gen = int(meta.get("generation") or 0)
    keep = {meta.get("bm25")} | {r[0] for r in db.execute("SELECT bm25 FROM switches WHERE gen BETWEEN ? AND ?",
                                                          (upto, gen))}
    if upto < gen:  # the directory the last switch replaced (recorded so by an index written before `switches`)
        keep.add(meta.get("bm25_previous"))
    return {k for k in keep if k}


def retired_ids(db: sqlite3.Connection) -> set[str]:
    """Every chunk id a retired row names (their vectors belong in the store until purged)."""
    return {r[0] for r in db.execute("SELECT DISTINCT chunk_id FROM retired")}
