"""The audit log on a real PostgreSQL (GROUNDED_AUDIT__URL) shared by two API workers: every answer recorded once,
replayed byte for byte, feedback kept; the database stopped mid-run costs records (counted), never answers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from assistant.api.audit_schema import answers, feedback, server_url
from tests.scale.conftest import QUESTION, start_workers

QUESTIONS = [QUESTION, "Who issued the guidance?", "What did China say about the guidance?",
             "Which chips does the guidance name?"]


def _count(url: str, table=answers) -> int:
    engine = create_engine(server_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


def _wait_rows(url: str, n: int, timeout: float = 20.0) -> int:
    deadline, got = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        got = _count(url)
        if got >= n:
            break
        time.sleep(0.1)
    return got


@pytest.fixture
def pg_audit(postgres):
    """A clean audit schema on the package's PostgreSQL."""
    engine = create_engine(server_url(postgres.url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS answers, feedback"))
    engine.dispose()
    return postgres


def test_two_workers_record_every_answer_once_in_postgres(home, pg_audit):
    url = pg_audit.url
    srv = start_workers(home, {"GROUNDED_AUDIT__URL": url}, workers=2)
    try:
        m = 40
        with httpx.Client(base_url=srv.url, timeout=60) as http, ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda i: http.post("/v1/ask", json={"question": QUESTIONS[i % 4]}), range(m)))
            assert [r.status_code for r in got] == [200] * m
            ids = [r.json()["request_id"] for r in got]
            assert len(set(ids)) == m
            assert _wait_rows(url, m) == m
            time.sleep(0.5)
            assert _count(url) == m  # exactly M: nothing twice
            for r in got[:12]:  # replay through either worker, byte for byte
                rid = r.json()["request_id"]
                assert http.get(f"/v1/answers/{rid}/response").content == r.content
                assert http.get(f"/v1/answers/{rid}").json()["response"] == r.json()
            fb = http.post("/v1/feedback", json={"request_id": ids[0], "rating": "up", "comment": "clear"})
            assert fb.status_code == 201, fb.text
            assert [f["rating"] for f in http.get(f"/v1/answers/{ids[0]}").json()["feedback"]] == ["up"]
            assert _count(url, feedback) == 1
            ready = http.get("/readyz").json()
            assert ready["audit"]["ok"] and ready["audit"]["failed"] == 0, ready["audit"]
    finally:
        srv.stop()
    log = srv.output()
    assert "Traceback" not in log, log


def test_postgres_stopped_mid_run_answers_go_on_and_recording_resumes(home, pg_audit):
    url = pg_audit.url
    srv = start_workers(home, {"GROUNDED_AUDIT__URL": url}, workers=1)
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            before = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(3)]
            assert [r.status_code for r in before] == [200] * 3
            assert _wait_rows(url, 3) == 3
            pg_audit.stop()
            during = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(3)]
            assert [r.status_code for r in during] == [200] * 3  # answers are never held back by the audit store
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and http.get("/readyz").json()["audit"]["failed"] < 3:
                time.sleep(0.2)
            ready = http.get("/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "degraded", ready.text
            status = ready.json()["audit"]
            assert status["failed"] == 3 and not status["ok"] and "audit write failed" in status["last_error"]
            assert "postgresql+psycopg" not in ready.text  # a status, not a connection string
            pg_audit.start()
            after = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(2)]
            assert [r.status_code for r in after] == [200] * 2
            assert _wait_rows(url, 5) == 5  # the 3 before and the 2 after; the 3 during were counted as failed
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not http.get("/readyz").json()["audit"]["ok"]:
                time.sleep(0.1)
            assert http.get("/readyz").json()["status"] == "ready"
    finally:
        srv.stop()
    log = srv.output()
    assert "audit write failed for" in log and "Traceback" not in log, log
