"""The audit log's bulk operations: import of exported rows (the spool's replay uses it too) and purge by date,
request id, key or text (retention, and erasure of personal data named in a question).

A mixin of `assistant.api.audit.AuditLog`: it uses the log's `engine` and `_run_sql` (which turns database errors
into AuditUnavailableError).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Text, cast, delete, insert, or_, select

import assistant.api.audit_schema as schema
from assistant.api.audit_schema import answers, feedback


class AuditMaintenance:
    """`add_rows` and `purge` over `self.engine`, each run through `self._run_sql`."""

    def add_rows(self, rows: Iterable[dict]) -> tuple[int, int]:
        """Insert exported rows (answer columns plus `feedback`); rows whose request id exists are skipped.
        Returns (added, skipped)."""
        added = skipped = 0

        def write(batch):
            nonlocal added, skipped
            with self.engine.begin() as conn:
                ids = [r["request_id"] for r in batch]
                have = set(conn.execute(select(answers.c.request_id).where(answers.c.request_id.in_(ids))).scalars())
                fresh = [r for r in batch if r["request_id"] not in have]
                if fresh:
                    conn.execute(insert(answers), [{k: r.get(k) for k in schema.ANSWER_COLUMNS} for r in fresh])
                    fb = [{**f, "request_id": r["request_id"]} for r in fresh for f in r.get("feedback") or []]
                    if fb:
                        conn.execute(insert(feedback), fb)
                added += len(fresh)
                skipped += len(batch) - len(fresh)

        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 500:
                self._run_sql(lambda b=batch: write(b))
                batch = []
        if batch:
            self._run_sql(lambda: write(batch))
        return added, skipped

    def purge(self, *, before: datetime | None = None, request_ids: list[str] | None = None,
              key_name: str | None = None, contains: str | None = None, dry_run: bool = False) -> int:
        """Delete the answers (and their feedback) matching every given condition; returns how many matched.
        `contains` matches the question or the history (personal data named in a question)."""
        conds = []
        if before is not None:
            conds.append(answers.c.created_at < before)
        if request_ids:
            conds.append(answers.c.request_id.in_(request_ids))
        if key_name is not None:
            conds.append(answers.c.key_name == key_name)
        if contains:
            pattern = f"%{contains}%"
            conds.append(or_(answers.c.question.ilike(pattern), cast(answers.c.history, Text).ilike(pattern)))
        if not conds:
            raise ValueError("purge needs at least one condition")

        def run():
            with self.engine.begin() as conn:
                ids = list(conn.execute(select(answers.c.request_id).where(*conds)).scalars())
                if not dry_run:
                    for i in range(0, len(ids), 500):
                        part = ids[i:i + 500]
                        conn.execute(delete(feedback).where(feedback.c.request_id.in_(part)))
                        conn.execute(delete(answers).where(answers.c.request_id.in_(part)))
                return len(ids)
        return self._run_sql(run)
