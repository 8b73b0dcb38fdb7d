"""Reader leases: the corpus generations requests are reading now, so that ingest's purge and a rebuild never delete
what a request in flight reads (ingest.generations).

They live in `readers.sqlite` beside the manifest (WAL, like it), not in the manifest itself: ingest holds the
manifest's write lock for a whole group of documents at a time, and a request must not wait behind that to say what
it reads. Tables: `readers(id, gen, pid, expires_at)` (one row per request in flight; `expires_at` in Unix seconds)
and `fence(name, gen)`, two marks that only rise:

- `floor`: readers of a generation below it may have lost rows (purged, or wiped by a rebuild): their answer is void;
- `closed`: new readers of a generation below it are refused (a rebuild is waiting to wipe those generations).

The protocol, sound because SQLite runs one write transaction at a time on the file: a reader inserts its lease (one
autocommit statement), then reads the marks; ingest's purge, in one transaction, reads the live leases, lowers what
it will purge to the oldest generation one pins, and raises `floor` to it. Either the lease came first (the purge
spares its generation) or the purge did (the reader sees `floor` above its generation and starts again on the
published one). A lease expires by itself `LEASE_TTL_S` seconds after it was taken (a worker killed with kill -9
blocks nothing for longer); a reader that cannot write its lease logs it and relies on the grace period
(`generations.GRACE_S`), and at its end (`Lease.intact`) on `floor`, which tells it whether its rows survived.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("grounded.ingest")
FILE = "readers.sqlite"
T = TypeVar("T")
LEASE_TTL_S = 120.0  # a lease's life, in seconds: above the API's LLM deadline (90 s), so a slow answer keeps it
LEASE_WAIT_S = 1.0  # seconds a reader waits for the file's write lock before it goes on without its lease
SCHEMA = """
CREATE TABLE IF NOT EXISTS readers (id TEXT PRIMARY KEY, gen INTEGER, pid INTEGER, expires_at REAL);
CREATE TABLE IF NOT EXISTS fence (name TEXT PRIMARY KEY, gen INTEGER);
"""
_shared: dict[tuple[int, str], tuple[sqlite3.Connection, tuple[int, int]]] = {}
_shared_lock = threading.Lock()  # one statement at a time on a process's lease connections (and their reopening)
_warned: set[str] = set()  # lease files this process said it could not write (then said at debug level only)


def _warn(index_dir: Path, message: str, *args) -> None:
    """Log a lease file's failure: a warning the first time per file and process (a read-only index would else log
    it at every request), debug after."""
    key = str(index_dir)
    level = logging.DEBUG if key in _warned else logging.WARNING
    _warned.add(key)
    log.log(level, message, *args)


def _connect(index_dir: Path, timeout: float) -> sqlite3.Connection:
    """A connection to `index_dir`'s lease file (created when missing), autocommit; sqlite3.Error when it cannot."""
    db = sqlite3.connect(str(index_dir / FILE), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    return db


def _on_reader_db(index_dir: Path, statement: Callable[[sqlite3.Connection], T]) -> T:
    """`statement(db)` on this process's connection for leases on `index_dir`, one thread at a time (one connection
    per process: a forked worker opens its own; opened again when the file was deleted or replaced, e.g. the index
    directory removed and built again). sqlite3.Error as the statement or the opening raises it."""
    key = (os.getpid(), str(index_dir))
    try:
        st = os.stat(index_dir / FILE)
        here = (st.st_dev, st.st_ino)
    except OSError:
        here = None
    with _shared_lock:
        db, was = _shared.get(key, (None, None))
        if db is None or here is None or here != was:
            if db is not None:
                db.close()
            db = _connect(index_dir, LEASE_WAIT_S)
            st = os.stat(index_dir / FILE)
            _shared[key] = (db, (st.st_dev, st.st_ino))
        return statement(db)


def _marks(db: sqlite3.Connection) -> dict[str, int]:
    return dict(db.execute("SELECT name, gen FROM fence").fetchall())


def _raise_mark(db: sqlite3.Connection, name: str, gen: int) -> None:
    db.execute("INSERT INTO fence VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET gen=max(gen, excluded.gen)",
               (name, gen))


class Lease:
    """What one request reads: generation `gen` of the index in `index_dir`, recorded while it reads.

    `held`: the lease row was written (False: the file could not be written, the grace period protects the request);
    `usable`: the generation could be read when the lease was taken (False: purged, or closed by a rebuild: open the
    published one). Use as a context manager, or call `release`. Never raises for the file's sake: errors are logged."""

    def __init__(self, index_dir: Path, gen: int, ttl: float | None = None):
        self.index_dir, self.gen, self.id = index_dir, gen, uuid.uuid4().hex
        self.held, self.usable = False, True
        row = (self.id, gen, os.getpid(), time.time() + (LEASE_TTL_S if ttl is None else ttl))
        try:
            _on_reader_db(index_dir, lambda db: db.execute("INSERT INTO readers VALUES (?, ?, ?, ?)", row))
            self.held = True
            marks = _on_reader_db(index_dir, _marks)
            self.usable = gen >= max(marks.get("floor", 0), marks.get("closed", 0))
        except sqlite3.Error as exc:
            _warn(index_dir, "could not record the reader lease on generation %d in %s (%s): the request relies on "
                  "the grace period", gen, index_dir / FILE, exc)

    def intact(self) -> bool:
        """Whether every row of the generation is still there (no purge or rebuild went past it); True when the file
        cannot be read (logged)."""
        try:
            return self.gen >= _on_reader_db(self.index_dir, _marks).get("floor", 0)
        except sqlite3.Error as exc:
            _warn(self.index_dir, "could not read the reader fence in %s (%s)", self.index_dir / FILE, exc)
            return True

    def release(self) -> None:
        """Delete the lease row (the generation may be purged once no other lease pins it)."""
        if not self.held:
            return
        self.held = False
        try:
            _on_reader_db(self.index_dir, lambda db: db.execute("DELETE FROM readers WHERE id=?", (self.id,)))
        except sqlite3.Error as exc:
            _warn(self.index_dir, "could not release the reader lease in %s (%s): it expires by itself",
                  self.index_dir / FILE, exc)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def fence(index_dir: Path, upto: int, now: float | None = None) -> int:
    """For ingest's purge, in one transaction: `upto` (purge what generations up to it retired) lowered to the oldest
    generation a live lease pins, `floor` raised to the result, expired leases deleted. Returns the lowered `upto`.
    sqlite3.Error when the file cannot be written (the purge must then not run)."""
    now = time.time() if now is None else now
    db = _connect(index_dir, 30.0)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM readers WHERE expires_at <= ?", (now,))
        pinned = db.execute("SELECT min(gen) FROM readers").fetchone()[0]
        upto = upto if pinned is None else min(upto, pinned)
        _raise_mark(db, "floor", upto)
        db.execute("COMMIT")
    finally:
        db.close()
    return upto


def close_below(index_dir: Path, gen: int, wait: float | None = None, poll: float = 0.05) -> int:
    """For a rebuild, before it wipes every generation below `gen`: refuse new readers of them (`closed`), wait until
    the leases on them end (released or expired; at most `wait` seconds, default LEASE_TTL_S), then raise `floor` to
    `gen` (what is still reading them is void from now on). Returns how many live leases it stopped waiting for."""
    db = _connect(index_dir, 30.0)
    try:
        _raise_mark(db, "closed", gen)
        deadline = time.monotonic() + (LEASE_TTL_S if wait is None else wait)
        while True:
            live = db.execute("SELECT count(*) FROM readers WHERE gen < ? AND expires_at > ?",
                              (gen, time.time())).fetchone()[0]
            if not live or time.monotonic() >= deadline:
                break
            time.sleep(poll)
        if live:
            log.warning("%d request(s) still read the index being rebuilt after %.0f s: their answers are void", live,
                        LEASE_TTL_S if wait is None else wait)
        _raise_mark(db, "floor", gen)
    finally:
        db.close()
    return live


def lowest_new(index_dir: Path) -> int:
    """The lowest generation ingest may write next: none below a mark (readers were fenced there), 0 without marks."""
    if not (index_dir / FILE).exists():
        return 0
    db = _connect(index_dir, 30.0)
    try:
        marks = _marks(db)
    finally:
        db.close()
    return max(marks.get("floor", 0), marks.get("closed", 0))


def live(index_dir: Path) -> list[tuple[int, int]]:
    """(generation, pid) of every live lease, oldest generation first (for `ingest show` and tests)."""
    if not (index_dir / FILE).exists():
        return []
    db = _connect(index_dir, 30.0)
    try:
        return db.execute("SELECT gen, pid FROM readers WHERE expires_at > ? ORDER BY gen",
                          (time.time(),)).fetchall()
    finally:
        db.close()
