"""The audit store failing under a running server: PostgreSQL stopped mid-run (answers go on; the rows given up are
logged and counted in /readyz; recording resumes when it returns), and the default SQLite log locked by another
process while two workers write to it (answers go on; every row lands once the lock is released)."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.scale.conftest import QUESTION, start_workers
from tests.scale.test_scale_workers import QUESTIONS, count, reset, wait_rows


def test_postgres_stopped_mid_run_answers_go_on_and_recording_resumes(home, postgres):
    url = postgres.url
    reset(url)
    srv = start_workers(home, {"GROUNDED_AUDIT__URL": url}, workers=1)
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            assert [http.post("/v1/ask", json={"question": QUESTION}).status_code for _ in range(3)] == [200] * 3
            assert wait_rows(url, 3) == 3
            postgres.stop()
            try:
                during = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(3)]
                assert [r.status_code for r in during] == [200] * 3  # never held back by the audit store
                deadline = time.monotonic() + 40
                while time.monotonic() < deadline and http.get("/readyz").json()["audit"]["failed"] < 3:
                    time.sleep(0.2)
                ready = http.get("/readyz")
                assert ready.status_code == 200 and ready.json()["status"] == "degraded", ready.text
                status = ready.json()["audit"]
                assert status["failed"] == 3 and not status["ok"] and "audit write failed" in status["last_error"]
                assert all(r.json()["request_id"] in status["last_error"] for r in during)  # which ones, logged
            finally:
                postgres.start()
            assert [http.post("/v1/ask", json={"question": QUESTION}).status_code for _ in range(2)] == [200] * 2
            assert wait_rows(url, 5) == 5  # the 3 before and the 2 after; the 3 during are counted as failed
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and http.get("/readyz").json()["status"] != "ready":
                time.sleep(0.1)
            assert http.get("/readyz").json()["status"] == "ready"
    finally:
        srv.stop()
    log = srv.output()
    assert "audit write failed for 3 answer(s)" in log and "Traceback" not in log, log


def test_sqlite_locked_by_another_process_two_workers_lose_nothing(home):
    srv = start_workers(home, {}, workers=2)
    db = home / "audit.sqlite"
    sqlite_url = f"sqlite:///{db}"
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http, ThreadPoolExecutor(4) as pool:
            first = list(pool.map(lambda i: http.post("/v1/ask", json={"question": QUESTIONS[i % 4]}), range(8)))
            assert wait_rows(sqlite_url, 8) == 8
            locker = sqlite3.connect(db, timeout=10)
            locker.execute("BEGIN EXCLUSIVE")  # no other writer until commit
            try:
                t0 = time.monotonic()
                locked = list(pool.map(lambda i: http.post("/v1/ask", json={"question": QUESTIONS[i % 4]}),
                                       range(12)))
                answered_in = time.monotonic() - t0
                assert count(sqlite_url) == 8  # the lock held the writers back (readers go on in WAL mode)
            finally:
                locker.commit()
                locker.close()
            assert [r.status_code for r in first + locked] == [200] * 20
            assert answered_in < 15  # the answers did not wait for the audit log
            assert wait_rows(sqlite_url, 20) == 20
            time.sleep(0.5)
            assert count(sqlite_url) == 20
    finally:
        srv.stop()
    assert "Traceback" not in srv.output(), srv.output()
