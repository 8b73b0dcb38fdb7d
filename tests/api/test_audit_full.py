"""The audit database full (issue 13: "the audit store ... or the disk full: the answer is still returned, the
failure logged and counted; no crash"). SQLite's own SQLITE_FULL ("database or disk is full", the error a full disk
gives) is produced for real by capping the file with `PRAGMA max_page_count` on every connection of the log's engine;
lifting the cap is the disk freed again."""

from __future__ import annotations

import logging
import time

from fastapi.testclient import TestClient
from sqlalchemy import event

from assistant.api import audit as audit_mod
from assistant.api.app import create_app
from tests.api.test_app import QUESTION, ready, settings


class PageCap:
    """Caps the audit database at its current size (`full = True`) or lifts the cap, on every connection."""

    def __init__(self, engine):
        self.engine, self.full = engine, False
        event.listen(engine, "connect", self._apply)

    def _apply(self, dbapi_connection, _record) -> None:
        cur = dbapi_connection.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages if self.full else 1_073_741_823}")
        cur.close()

    def set(self, full: bool) -> None:
        self.full = full
        self.engine.dispose()  # pooled connections are made again, with the cap of now


def test_a_full_audit_database_lets_every_answer_go_counts_and_logs_it_and_catches_up(api_home, tmp_path,
                                                                                       monkeypatch, caplog):
    monkeypatch.setattr(audit_mod, "RETRIES", (0.05,))
    monkeypatch.setattr(audit_mod, "RETRY_S", 0.5)
    app = create_app(settings(api_home, tmp_path))
    with TestClient(app) as client:
        ready(client)
        audit = app.state.audit
        cap = PageCap(audit.engine)
        cap.set(full=True)
        with caplog.at_level(logging.ERROR, logger="grounded.audit"):
            answers = [client.post("/v1/ask", json={"question": QUESTION}) for _ in range(4)]
            assert [r.status_code for r in answers] == [200] * 4  # the answers went out
            assert audit.flush(20)
        body = client.get("/readyz").json()
        assert body["status"] == "degraded" and body["audit"]["failed"] >= 4, body["audit"]
        assert body["audit"]["unwritten"] == 4 and "full" in body["audit"]["last_error"], body["audit"]
        assert any("full" in r.getMessage() and answers[0].headers["x-request-id"] in r.getMessage()
                   for r in caplog.records), [r.getMessage() for r in caplog.records]
        assert audit.count() == 0
        cap.set(full=False)  # space again: the retry writes what was kept
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and client.get("/readyz").json()["audit"]["unwritten"]:
            time.sleep(0.1)
        body = client.get("/readyz").json()
        assert body["status"] == "ready" and body["audit"]["unwritten"] == 0, body["audit"]
        assert audit.count() == 4  # none lost
        replay = client.get(f"/v1/answers/{answers[0].headers['x-request-id']}/response")
        assert replay.status_code == 200 and replay.content == answers[0].content
