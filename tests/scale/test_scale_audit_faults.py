"""The default SQLite audit log locked by another process while two workers write to it: answers go on, and every
row lands once the lock is released. (PostgreSQL stopped mid-run: test_scale_workers.py.)"""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.scale.conftest import start_workers
from tests.scale.test_scale_workers import QUESTIONS, count, wait_rows


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
