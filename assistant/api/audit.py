"""The audit log: every answer given, written off the request path by one background thread.

`record()` never raises and never waits: it appends the row to the worker's spool file (assistant.api.audit_spool,
when the log has a spool directory, as the server's has) and queues it (a full queue drops it, logged and counted).
The writer inserts in batches (gathered for up to LINGER_S) and retries a failed batch (a locked or full disk, a
database that is down) a few times; a batch still failing is logged with its request ids, counted as failed, and kept:
in the spool, retried every RETRY_S until it is written. A worker killed with rows queued leaves them in its spool
file; the next worker to start on the host writes them. `/readyz` shows the counts. A row is readable (`get`) from
the moment it is recorded.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from assistant.api import audit_schema as schema
from assistant.api.audit_maintenance import AuditMaintenance
from assistant.api.audit_schema import answers, feedback
from assistant.api.audit_spool import Spool
from kernel.errors import GroundedError

log = logging.getLogger("grounded.audit")
_STOP = object()
RETRIES = (0.2, 1.0, 3.0)
BATCH = 256
RETRY_S = 30.0  # a batch given up on is tried again this often (from the spool's rows held in memory)
LINGER_S = 0.25  # a batch waits this long for company: one transaction per row cost ~0.9 ms of CPU, 0.2 ms in 200s


class AuditUnavailableError(GroundedError):
    """The audit database cannot be read or written right now."""

    code = "audit_unavailable"
    exit_code = 4


def now() -> datetime:
    return datetime.now(UTC)


class AuditLog(AuditMaintenance):
    """Answers and feedback in a SQL database (SQLAlchemy Core); see the module docstring for the guarantees."""

    def __init__(self, url: str, *, retention_days: int = 0, queue_size: int = 10_000,
                 spool_dir: Path | None = None):
        self.url = url
        self._spool = Spool(spool_dir) if spool_dir is not None else None
        self._unwritten: dict[str, dict] = {}  # given up on for now: retried every RETRY_S, still in the spool
        self._last_retry = 0.0
        self.retention_days = retention_days
        self.engine = schema.make_engine(url)
        self._ready = False
        self._queue: queue.Queue = queue.Queue(queue_size)
        self._pending: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_purge: float | None = None
        self.written = self.failed = self.dropped = 0
        self.last_error: str | None = None
        self._last_ok = True
        self._ensure_schema()

    def _ensure_schema(self) -> bool:
        if not self._ready:
            try:
                schema.create_schema(self.engine)
                self._ready = True
            except SQLAlchemyError as exc:
                self._failed(f"cannot open the audit log: {_short(exc)}")
        return self._ready

    # --- writing ---------------------------------------------------------------------------------------------------

    def start(self) -> AuditLog:
        if self._thread is None:
            if self._spool is not None:
                left = self._spool.orphans()
                self._spool.open()
                for row in left:  # written by the writer like any other; ids already in the database are skipped
                    self._spool.append(row, sync=False)
                    self._unwritten[row["request_id"]] = self._pending[row["request_id"]] = row
                if left:
                    self._spool.sync()  # on disk in this worker's file before the stopped workers' files go
                self._spool.release()
                if left:
                    log.warning("audit spool: %d answer(s) left by stopped workers will be written", len(left))
                    self._last_retry = -RETRY_S
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()
        return self

    def record(self, row: dict) -> None:
        """Queue one answer row (columns of `answers`); never raises, never blocks."""
        with self._lock:
            self._pending[row["request_id"]] = row
            if self._spool is not None:
                try:
                    self._spool.append(row, sync=False)  # fsynced by the writer, once per batch
                except OSError as exc:
                    log.error("audit spool write failed (answer %s kept in memory only): %s", row["request_id"], exc)
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            with self._lock:
                self._pending.pop(row["request_id"], None)
                self.dropped += 1
                self._last_ok = False
            log.error("audit queue full: answer %s not recorded", row["request_id"])

    def _run(self) -> None:
        self._maybe_purge()
        while True:
            self._retry_unwritten()
            try:
                item = self._queue.get(timeout=RETRY_S if self._unwritten else None)
            except queue.Empty:
                continue
            batch, stop = [], item is _STOP
            if not stop:
                batch.append(item)
            deadline = time.monotonic() + LINGER_S
            while len(batch) < BATCH and not stop:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                self._sync_spool()
                self._write(batch)
            self._maybe_purge()
            if stop:
                self._retry_unwritten(force=True)
                return

    def _retry_unwritten(self, force: bool = False) -> None:
        """Write the rows given up on earlier (skipping ids the database already has), at most every RETRY_S."""
        if not self._unwritten or not force and time.monotonic() - self._last_retry < RETRY_S:
            return
        self._last_retry = time.monotonic()
        rows = list(self._unwritten.values())
        try:
            added, _ = self.add_rows(rows)
        except AuditUnavailableError as exc:
            self._failed(f"audit retry failed for {len(rows)} answer(s) (kept in the spool): {exc}")
            return
        with self._lock:
            self.written += added
            self._last_ok = True
            for r in rows:
                self._unwritten.pop(r["request_id"], None)
                self._pending.pop(r["request_id"], None)
            self._clear_spool()
        log.info("audit: %d answer(s) written on retry", added)

    def _sync_spool(self) -> None:
        """fsync the spool once for the batch about to be written (the rows `record` appended without one)."""
        if self._spool is not None:
            try:
                with self._lock:
                    self._spool.sync()
            except OSError as exc:
                log.error("audit spool fsync failed: %s", exc)

    def _clear_spool(self) -> None:
        """Empty the spool once nothing recorded is still unwritten (caller holds the lock)."""
        if self._spool is not None and not self._pending and not self._unwritten and self._queue.empty():
            try:
                self._spool.clear()
            except OSError as exc:
                log.error("audit spool could not be emptied: %s", exc)

    def _write(self, rows: list[dict]) -> None:
        error = ""
        for pause in (0.0, *RETRIES):
            time.sleep(pause)
            if not self._ensure_schema():
                continue
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(answers), rows)
                with self._lock:
                    self.written += len(rows)
                    self._last_ok = True
                    for r in rows:
                        self._pending.pop(r["request_id"], None)
                    self._clear_spool()
                return
            except SQLAlchemyError as exc:
                error = _short(exc)
        ids = ", ".join(r["request_id"] for r in rows[:20])
        with self._lock:
            self.failed += len(rows)
            self._last_ok = False
            for r in rows:
                if self._spool is None:
                    self._pending.pop(r["request_id"], None)
                else:  # still readable (`get`) and retried: the row is in the spool
                    self._unwritten[r["request_id"]] = r
        kept = f"; kept in the spool, retried every {RETRY_S:.0f} s" if self._spool is not None else ""
        self._failed(f"audit write failed for {len(rows)} answer(s) ({ids}){kept}: {error}")
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
        """Wait until every queued row is written or given up on (for now: see `unwritten` in `status()`); False
        on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._pending) <= len(self._unwritten) and self._queue.empty():
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
        if self._spool is not None:
            self._spool.close()  # removed when empty; rows still unwritten stay for the next worker
        self.engine.dispose()

    def status(self) -> dict:
        """For /readyz: ok (the last write succeeded), rows written, pending, failed, dropped, the last error."""
        with self._lock:
            return {"ok": self._ready and self._last_ok, "written": self.written,
                    "pending": len(self._pending), "unwritten": len(self._unwritten), "failed": self.failed,
                    "dropped": self.dropped, "last_error": self.last_error}

    # --- reading ---------------------------------------------------------------------------------------------------

    def _run_sql(self, fn):
        if not self._ensure_schema():
            raise AuditUnavailableError(self.last_error or "the audit log cannot be opened")
        try:
            return fn()
        except SQLAlchemyError as exc:
            raise AuditUnavailableError(f"the audit log failed: {_short(exc)}") from None

    def get(self, request_id: str) -> dict | None:
        """One answer row with its feedback list, or None. A row still queued is found too (with any feedback
        already recorded for it). AuditUnavailableError if the database fails."""
        with self._lock:
            pending = self._pending.get(request_id)

        def read():
            with self.engine.connect() as conn:
                found = pending or conn.execute(
                    select(answers).where(answers.c.request_id == request_id)).mappings().first()
                if found is None:
                    return None
                fb = conn.execute(select(feedback).where(feedback.c.request_id == request_id)
                                  .order_by(feedback.c.id)).mappings().all()
                return {**found, "feedback": [_feedback(f) for f in fb]}
        try:
            return self._run_sql(read)
        except AuditUnavailableError:
            if pending is not None:
                return {**pending, "feedback": []}
            raise

    def exists(self, request_id: str) -> bool:
        return self.get(request_id) is not None

    def add_feedback(self, request_id: str, rating: str, comment: str | None, key_name: str | None) -> dict:
        """Record a rating now (synchronously: the caller is told whether it was kept)."""
        row = {"request_id": request_id, "created_at": now(), "key_name": key_name, "rating": rating,
               "comment": comment}

        def write():
            with self.engine.begin() as conn:
                conn.execute(insert(feedback), [row])
        self._run_sql(write)
        return _feedback(row)

    def rows(self, since: datetime | None = None, until: datetime | None = None, chunk: int = 1000) -> Iterator[dict]:
        """Answer rows in time order (each with its feedback), `since <= created_at < until`, read `chunk` rows at a
        time (an export of years of answers never sits in memory whole). AuditUnavailableError if the database
        fails."""
        query = select(answers).order_by(answers.c.created_at, answers.c.request_id)
        if since:
            query = query.where(answers.c.created_at >= since)
        if until:
            query = query.where(answers.c.created_at < until)
        if not self._ensure_schema():
            raise AuditUnavailableError(self.last_error or "the audit log cannot be opened")
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(yield_per=chunk).execute(query).mappings()
                for part in result.partitions():
                    ids = [r["request_id"] for r in part]
                    fb: dict[str, list] = {}
                    for f in conn.execute(select(feedback).where(feedback.c.request_id.in_(ids))
                                          .order_by(feedback.c.id)).mappings():
                        fb.setdefault(f["request_id"], []).append(_feedback(f))
                    for r in part:
                        yield {**r, "feedback": fb.get(r["request_id"], [])}
        except SQLAlchemyError as exc:
            raise AuditUnavailableError(f"the audit log failed: {_short(exc)}") from None

    def count(self) -> int:
        def read():
            with self.engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(answers)).scalar_one()
        return self._run_sql(read)


def _feedback(row) -> dict:
    return {"created_at": row["created_at"], "key_name": row["key_name"], "rating": row["rating"],
            "comment": row["comment"]}


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def dumps(value) -> str:
    """Compact, stable JSON (the form stored for replay)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
