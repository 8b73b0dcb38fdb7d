"""The audit log's reads: one answer (`get`, a row still queued included), feedback, the rows in time order for an
export, the count.

A mixin of `assistant.api.audit.AuditLog`: it uses the log's `engine`, `_lock`, `_pending` (rows queued, not yet
written), `_marks` (delivery marks not yet written), `_ensure_schema` and `last_error`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from assistant.api.audit_schema import answers, feedback
from assistant.api.redact import public
from kernel.errors import GroundedError


class AuditUnavailableError(GroundedError):
    """The audit database cannot be read or written right now. Its message names no path of the server (a driver's
    or the system's text may: `redact.public(..., any_path=True)`), as it reaches API responses and the UI."""

    code = "audit_unavailable"
    exit_code = 4

    def __init__(self, message: str):
        super().__init__(public(message, any_path=True))


def now() -> datetime:
    """The current time, timezone-aware UTC (as the audit log stores it)."""
    return datetime.now(UTC)


class AuditReading:
    """`get`, `exists`, `add_feedback`, `rows`, `count`; each turns database errors into AuditUnavailableError."""

    def _run_sql(self, fn):
        if not self._ensure_schema():
            raise AuditUnavailableError(self.last_error or "the audit log cannot be opened")
        try:
            return fn()
        except SQLAlchemyError as exc:
            raise AuditUnavailableError(f"the audit log failed: {short(exc)}") from None

    def get(self, request_id: str) -> dict | None:
        """One answer row with its feedback list, or None. A row still queued is found too (with any feedback
        already recorded for it); `delivered` is true once `delivered()` was called for it, even before the writer
        applied it. AuditUnavailableError if the database fails."""
        with self._lock:
            pending = self._pending.get(request_id)
            marked = {"delivered": True} if request_id in self._marks else {}

        def read():
            with self.engine.connect() as conn:
                found = pending or conn.execute(
                    select(answers).where(answers.c.request_id == request_id)).mappings().first()
                if found is None:
                    return None
                fb = conn.execute(select(feedback).where(feedback.c.request_id == request_id)
                                  .order_by(feedback.c.id)).mappings().all()
                return {**found, **marked, "feedback": [_feedback(f) for f in fb]}
        try:
            return self._run_sql(read)
        except AuditUnavailableError:
            if pending is not None:
                return {**pending, **marked, "feedback": []}
            raise

    def exists(self, request_id: str) -> bool:
        """Whether an answer with this id is recorded (queued or written). AuditUnavailableError if the database
        fails."""
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
            raise AuditUnavailableError(f"the audit log failed: {short(exc)}") from None

    def count(self) -> int:
        """The number of answer rows in the database. AuditUnavailableError if it fails."""
        def read():
            with self.engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(answers)).scalar_one()
        return self._run_sql(read)


def _feedback(row) -> dict:
    return {"created_at": row["created_at"], "key_name": row["key_name"], "rating": row["rating"],
            "comment": row["comment"]}


def short(exc: BaseException) -> str:
    """The first line of a database error (the driver's own message when SQLAlchemy wraps one), at most 300
    characters, for logs and /readyz."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
