"""The audit log: every answer given, written off the request path by one background thread.

`record()` never raises: it appends the row to the worker's spool file (assistant.api.audit_spool, when the log has a
spool directory, as the server's has) and queues it (a full queue drops it, logged and counted). The row is on disk
before the answer goes out (assistant.api.audit_durable): inside an API request `record` does not wait, the response
does (a group commit off the event loop); elsewhere `record` fsyncs it before returning.
The writer inserts in batches (gathered for up to LINGER_S) and retries a failed batch (a locked or full disk, a
database that is down) a few times; a batch still failing is logged with its request ids, counted as failed, and kept:
in the spool, retried every RETRY_S until it is written. A worker killed with rows queued leaves them in its spool
file; the next worker to start on the host writes them. `/readyz` shows the counts. A row is readable (`get`) from
the moment it is recorded.

Two phases (issue 13): the server records an answer's row (`delivered` false) before its response is sent and calls
`delivered(request_id)` once the whole response went out: a marker in the spool, and in the database `delivered`
set to true (in the row's INSERT when it is still queued, as it nearly always is; else by an UPDATE in the next
batch). So every answer a client received has a row, even after a kill -9; a row whose delivery was not confirmed
(the worker died between recording and sending, or between sending and marking, or the client left mid-stream)
says so, `delivered` false.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.exc import SQLAlchemyError

import assistant.api.audit_schema as schema
from assistant.api.audit_durable import DurableAudit, GroupCommit
from assistant.api.audit_maintenance import AuditMaintenance
from assistant.api.audit_reading import AuditReading, AuditUnavailableError, now, short
from assistant.api.audit_schema import answers
from assistant.api.audit_spool import Spool, fold

__all__ = ["AuditLog", "AuditUnavailableError", "dumps", "now"]
log = logging.getLogger("grounded.audit")
_STOP = object()
_MARKED = object()  # queued by `delivered`: the writer has marks to apply
RETRIES = (0.2, 1.0, 3.0)
BATCH = 256
RETRY_S = 30.0  # a batch given up on is tried again this often (from the spool's rows held in memory)
LINGER_S = 0.25  # a batch waits this long for company: one transaction per row cost ~0.9 ms of CPU, 0.2 ms in 200s


class AuditLog(AuditReading, AuditMaintenance, DurableAudit):
    """Answers and feedback in a SQL database (SQLAlchemy Core); see the module docstring for the guarantees."""

    def __init__(self, url: str, *, retention_days: int = 0, queue_size: int = 10_000,
                 spool_dir: Path | None = None):
        self.url = url
        self._spool = Spool(spool_dir) if spool_dir is not None else None
        self._commit = GroupCommit(self._spool, self._spool_failed) if self._spool is not None else None
        self._unspooled: set[str] = set()  # rows whose spool append failed (in memory only)
        self._last_probe = 0.0
        self._unwritten: dict[str, dict] = {}  # given up on for now: retried every RETRY_S, still in the spool
        self._last_retry = 0.0
        self.retention_days = retention_days
        self.engine = schema.make_engine(url)
        self._ready = False
        self._queue: queue.Queue = queue.Queue(queue_size)
        self._pending: dict[str, dict] = {}
        self._marks: set[str] = set()  # confirmed delivered, not yet so in the database
        self._stale_marks = False  # a write with marks to UPDATE failed: retried with the unwritten rows
        self._replay_due = False  # rows or marks of stopped workers taken over, not yet tried (`flush` waits)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_purge: float | None = None
        self.written = self.failed = self.dropped = 0
        self.spool_failures = self.undurable = 0  # see `status()`
        self.last_error: str | None = None
        self._last_ok = True
        self._ensure_schema()

    def _ensure_schema(self) -> bool:
        if not self._ready:
            try:
                schema.create_schema(self.engine)
                self._ready = True
            except SQLAlchemyError as exc:
                self._failed(f"cannot open the audit log: {short(exc)}")
        return self._ready

    # --- writing ---------------------------------------------------------------------------------------------------

    def start(self) -> AuditLog:
        """Take over what stopped workers left in their spool files (see `_adopt_orphans`) and start the writer
        thread; returns the log. Calling it again does nothing. OSError if the spool directory cannot be written."""
        if self._thread is None:
            if self._spool is not None:
                self._adopt_orphans()
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()
        return self

    def _adopt_orphans(self) -> None:
        """Take the rows and delivery marks left in the spool files of stopped workers into this worker's spool (and
        fsync it) before their files go; the writer writes them on its first retry (ids already in the database are
        skipped; their marks are applied by an UPDATE)."""
        rows, marked = fold(self._spool.orphans())
        self._spool.open()
        for row in rows:  # written by the writer like any other
            self._spool.append(row, sync=False)
            self._unwritten[row["request_id"]] = self._pending[row["request_id"]] = row
        for request_id in marked:
            self._spool.mark(request_id)
        self._marks |= marked
        if rows or marked:
            self._spool.sync()  # on disk in this worker's file before the stopped workers' files go
        self._spool.release()
        if rows or marked:
            log.warning("audit spool: %d answer(s) and %d delivery mark(s) left by stopped workers will be written",
                        len(rows), len(marked))
            self._last_retry = -RETRY_S
            self._stale_marks = self._replay_due = True

    def record(self, row: dict) -> None:
        """Queue one answer row (columns of `answers`; `delivered` false when absent, see `delivered`; None when
        delivery is not tracked); never raises. Durable before the answer is sent: inside an API request served
        through `DurableResponses` it returns at once (~0.1 ms) and the response waits for the fsync; elsewhere it
        fsyncs the row before returning (one fsync, ~0.5-4 ms, on the caller's thread)."""
        row = {**row, "delivered": row.get("delivered", False)}
        pos = 0
        with self._lock:
            self._pending[row["request_id"]] = row
            if self._spool is not None:
                try:
                    pos = self._spool.append(row, sync=False)
                except OSError as exc:
                    self._unspooled.add(row["request_id"])
                    self.undurable += 1  # its answer goes out all the same
                    self._spool_failed(exc, f"answer {row['request_id']} kept in memory only")
        if pos:
            self._make_durable(pos)
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            with self._lock:
                self._pending.pop(row["request_id"], None)
                self.dropped += 1
                self._last_ok = False
            log.error("audit queue full: answer %s not recorded", row["request_id"])

    def delivered(self, request_id: str) -> None:
        """Mark the recorded answer `request_id` as delivered (its whole response went out): a marker appended to the
        spool, and the row's `delivered` set to true by the writer. Never raises, never blocks; a mark whose row
        this log does not hold is applied to the database's row of that id, if any."""
        with self._lock:
            self._marks.add(request_id)
            if self._spool is not None:
                try:
                    self._spool.mark(request_id)  # fsynced by the writer with the next batch
                except OSError as exc:
                    self._spool_failed(exc, f"delivery of {request_id} kept in memory only")
        with contextlib.suppress(queue.Full):  # the mark is kept: the next batch applies it
            self._queue.put_nowait(_MARKED)

    def _run(self) -> None:
        self._maybe_purge()
        while True:
            self._retry_unwritten()
            try:
                item = self._queue.get(timeout=RETRY_S if self._unwritten or self._stale_marks else None)
            except queue.Empty:
                continue
            items, stop = [item], item is _STOP
            deadline = time.monotonic() + LINGER_S
            while len(items) < BATCH and not stop:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                items.append(item)
                stop = item is _STOP
            if len(items) > stop:  # rows, marks or both
                self._sync_spool()
                self._write([i for i in items if isinstance(i, dict)])
            for _ in items:
                self._queue.task_done()
            self._maybe_purge()
            if stop:
                self._retry_unwritten(force=True)
                return

    def _prepared(self, rows: list[dict]) -> tuple[list[dict], list[str]]:
        """(the rows to insert, `delivered` true for those marked so far; the ids of marks whose row this log no
        longer holds, written already or never recorded here, to UPDATE)."""
        with self._lock:  # held briefly: `record` and `delivered` wait for it on the event loop
            for r in rows:  # the log's own copies (`record`, the spool's replay): set in place, no copy made
                if r["request_id"] in self._marks:
                    r["delivered"] = True
            return rows, [i for i in self._marks if i not in self._pending]

    def _apply_marks(self, conn, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            conn.execute(update(answers).where(answers.c.request_id.in_(ids[i:i + 500])).values(delivered=True))

    def _retry_unwritten(self, force: bool = False) -> None:
        """Write the rows given up on earlier (skipping ids the database already has) and the delivery marks not
        yet applied, at most every RETRY_S."""
        if not (self._unwritten or self._stale_marks) or not force and time.monotonic() - self._last_retry < RETRY_S:
            return
        self._last_retry = time.monotonic()
        rows = list(self._unwritten.values())
        try:
            added, _ = self.add_rows(self._prepared(rows)[0])
            with self._lock:
                for r in rows:
                    self._unwritten.pop(r["request_id"], None)
                    self._pending.pop(r["request_id"], None)
            marks = self._prepared([])[1]  # those of the rows just written or skipped included

            def mark():
                with self.engine.begin() as conn:
                    self._apply_marks(conn, marks)
            self._run_sql(mark)
        except AuditUnavailableError as exc:
            self._stale_marks, self._replay_due = bool(self._marks), False
            self._failed(f"audit retry failed for {len(rows)} answer(s) (kept in the spool): {exc}")
            return
        with self._lock:
            self.written += added
            self._last_ok, self._stale_marks, self._replay_due = True, False, False
            self._marks.difference_update(marks)
            self._clear_spool()
        log.info("audit: %d answer(s) written on retry", added)

    def _sync_spool(self) -> None:
        """fsync the spool once for the batch about to be written, when something in it is not yet on disk: its
        delivery marks (appended without an fsync), a row whose response's fsync failed. Without the lock: appends go
        on meanwhile, and only this thread truncates the file; `close` runs once this thread has stopped."""
        if self._spool is not None:
            try:
                self._spool.sync(self._spool.appended)  # no fsync when every byte is covered already
            except OSError as exc:
                self._spool_failed(exc, "delivery marks not yet fsynced may be lost at a power cut")

    def _clear_spool(self) -> None:
        """Empty the spool once nothing recorded or marked is still unwritten (caller holds the lock)."""
        if (self._spool is not None and not self._pending and not self._unwritten and not self._marks
                and self._queue.empty()):
            try:
                self._spool.clear()
            except OSError as exc:
                log.error("audit spool could not be emptied: %s", exc)

    def _write(self, rows: list[dict]) -> None:
        """Insert a batch of rows and apply the delivery marks so far, in one transaction, retried RETRIES times;
        then kept for `_retry_unwritten` (in the spool) and logged."""
        error, marks = "", []
        for pause in (0.0, *RETRIES):
            time.sleep(pause)
            if not self._ensure_schema():
                continue
            payload, marks = self._prepared(rows)
            if not payload and not marks:
                return
            try:
                with self.engine.begin() as conn:
                    if payload:
                        conn.execute(insert(answers), payload)
                    self._apply_marks(conn, marks)
                with self._lock:
                    self.written += len(rows)
                    self._last_ok, self._stale_marks = True, False
                    for p in payload:
                        self._pending.pop(p["request_id"], None)
                        if p["delivered"]:
                            self._marks.discard(p["request_id"])
                    self._marks.difference_update(marks)
                    self._clear_spool()
                return
            except SQLAlchemyError as exc:
                error = short(exc)
        ids = ", ".join(r["request_id"] for r in rows[:20])
        with self._lock:
            self.failed += len(rows)
            self._last_ok = False
            self._stale_marks = self._stale_marks or bool(marks)
            for r in rows:
                if self._spool is None:
                    self._pending.pop(r["request_id"], None)
                else:  # still readable (`get`) and retried: the row is in the spool
                    self._unwritten[r["request_id"]] = r
        kept = f"; kept in the spool, retried every {RETRY_S:.0f} s" if self._spool is not None else ""
        also = f" and {len(marks)} delivery mark(s)" if marks else ""
        self._failed(f"audit write failed for {len(rows)} answer(s) ({ids}){also}{kept}: {error}")
        self._last_retry = time.monotonic()

    def _failed(self, message: str) -> None:
        self.last_error = f"{now().isoformat(timespec='seconds')} {message}"
        log.error(message)

    def _maybe_purge(self) -> None:
        if self.retention_days and (self._last_purge is None or time.monotonic() - self._last_purge > 3600):
            self._last_purge = time.monotonic()
            try:
                n = self.purge(before=now() - timedelta(days=self.retention_days))
                if n:
                    log.info("audit retention: purged %d answer(s) older than %d days", n, self.retention_days)
            except AuditUnavailableError as exc:
                self._failed(f"audit retention purge failed: {exc}")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued row and delivery mark, and the rows taken over from stopped workers at `start`,
        are written or given up on (for now: see `unwritten` in `status()`); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if (len(self._pending) <= len(self._unwritten) and self._queue.unfinished_tasks == 0
                        and not self._replay_due):
                    return True
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 15.0) -> None:
        """Write what is queued, then stop the writer."""
        if self._thread is not None:
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                log.error("audit queue still full at shutdown: %d answer(s) not recorded", self._queue.qsize())
            self._thread.join(timeout)
            self._thread = None
        if self._commit is not None:
            self._commit.close()
        if self._spool is not None:
            self._spool.close()  # removed when empty; rows still unwritten stay for the next worker
        self.engine.dispose()



def dumps(value) -> str:
    """Compact, stable JSON (the form stored for replay)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
