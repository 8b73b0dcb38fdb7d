"""Two API workers sharing their state on real servers: the audit log on PostgreSQL, rate limits in Redis. One
server for the module (starting two workers costs tens of seconds on a busy machine); the kill -9 test goes last."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from assistant.api import audit as audit_mod
from assistant.api.audit_schema import answers, feedback, server_url
from assistant.api.keys import KeyStore
from tests.scale.conftest import QUESTION, start_workers, worker_pids

QUESTIONS = [QUESTION, "Who issued the guidance?", "What did China say about the guidance?",
             "Which chips does the guidance name?"]
TIGHT = 5  # answers a minute for the key `tight`
CLIENTS = 6  # concurrent clients of the kill -9 test


def count(url: str, table=answers) -> int:
    engine = create_engine(server_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


def wait_rows(url: str, n: int, timeout: float = 20.0) -> int:
    deadline, got = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        got = count(url)
        if got >= n:
            break
        time.sleep(0.1)
    return got


def wait_ids(url: str, ids: set[str], timeout: float) -> set[str]:
    """The request ids of `ids` still missing from the audit database after waiting up to `timeout` s."""
    engine, deadline, missing = create_engine(server_url(url)), time.monotonic() + timeout, set(ids)
    try:
        while missing and time.monotonic() < deadline:
            with engine.connect() as conn:
                missing -= set(conn.execute(select(answers.c.request_id)
                                            .where(answers.c.request_id.in_(list(missing)))).scalars())
            time.sleep(0.3)
    finally:
        engine.dispose()
    return missing


def delivered(url: str, ids: set[str]) -> dict[str, bool | None]:
    """request_id -> `delivered` of the rows of `ids` in the audit database."""
    engine = create_engine(server_url(url))
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(answers.c.request_id, answers.c.delivered)
                                     .where(answers.c.request_id.in_(list(ids)))).all())
    finally:
        engine.dispose()


def wait_delivered(url: str, ids: set[str], timeout: float = 20.0) -> dict[str, bool | None]:
    """`delivered(url, ids)` once every one of `ids` is true, or as it is after `timeout` s (a mark is written with
    its row, or by an UPDATE in the writer's next batch)."""
    deadline = time.monotonic() + timeout
    while True:
        got = delivered(url, ids)
        if len(got) == len(ids) and all(got.values()) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def reset(url: str) -> None:
    engine = create_engine(server_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS answers, feedback"))
    engine.dispose()


@pytest.fixture(scope="module")
def shared(index_home, tmp_path_factory, postgres, redis_url):
    """Two workers, audit on PostgreSQL, limits in Redis; keys `tester` (no practical limit) and `tight`."""
    home = tmp_path_factory.mktemp("shared-home")
    (home / "index").symlink_to(index_home / "index")
    store = KeyStore(home / "api_keys.json")
    keys = {"tester": store.add("tester", "100000/minute"), "tight": store.add("tight", f"{TIGHT}/minute")}
    reset(postgres.url)
    srv = start_workers(home, {"GROUNDED_AUDIT__URL": postgres.url, "GROUNDED_LIMITS__STORAGE_URL": redis_url},
                        workers=2)
    srv.key = keys["tester"]
    srv.keys = keys
    yield srv
    srv.stop()
    assert "Traceback" not in srv.output(), srv.output()


def test_every_answer_is_recorded_once_and_replays_byte_for_byte(shared, postgres):
    url, m = postgres.url, 40
    with httpx.Client(base_url=shared.url, timeout=60, headers=shared.headers()) as http, ThreadPoolExecutor(8) as pool:
        before = count(url)
        got = list(pool.map(lambda i: http.post("/v1/ask", json={"question": QUESTIONS[i % 4]}), range(m)))
        assert [r.status_code for r in got] == [200] * m
        ids = [r.json()["request_id"] for r in got]
        assert len(set(ids)) == m
        assert wait_rows(url, before + m) == before + m
        time.sleep(0.5)
        assert count(url) == before + m  # exactly M: none twice
        assert wait_delivered(url, set(ids)) == dict.fromkeys(ids, True)  # each marked delivered once sent
        for r in got[:12]:  # replayed through either worker
            rid = r.json()["request_id"]
            assert http.get(f"/v1/answers/{rid}/response").content == r.content
            assert http.get(f"/v1/answers/{rid}").json()["response"] == r.json()
            assert http.get(f"/v1/answers/{rid}").json()["delivered"] is True
        fb = http.post("/v1/feedback", json={"request_id": ids[0], "rating": "up", "comment": "clear"})
        assert fb.status_code == 201, fb.text
        assert [f["rating"] for f in http.get(f"/v1/answers/{ids[0]}").json()["feedback"]] == ["up"]
        assert count(url, feedback) == 1
        ready = http.get("/readyz").json()
        assert ready["audit"]["ok"] and ready["audit"]["failed"] == 0, ready["audit"]
        assert ready["limits"] == {"storage": "redis", "shared": True, "errors": 0, "last_error": None}


def test_rate_limit_holds_across_workers_in_redis(shared):
    """N+1 concurrent answers for a key limited to N a minute: exactly one 429, wherever each request lands."""
    headers = {"Authorization": f"Bearer {shared.keys['tight']}"}
    barrier = threading.Barrier(TIGHT + 1)

    def one(_):
        with httpx.Client(base_url=shared.url, timeout=60, headers=headers) as http:
            barrier.wait()
            return http.post("/v1/ask", json={"question": QUESTION})

    with ThreadPoolExecutor(TIGHT + 1) as pool:
        got = list(pool.map(one, range(TIGHT + 1)))
    codes = sorted(r.status_code for r in got)
    assert codes == [200] * TIGHT + [429], codes
    refused = next(r for r in got if r.status_code == 429)
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["Retry-After"]) >= 1


def test_postgres_stopped_mid_run_answers_go_on_and_recording_resumes(shared, postgres):
    """The rows given up are logged with their ids and counted in /readyz (by the worker that held them); once
    PostgreSQL is back, recording resumes by itself, and the rows given up are written from the spool."""
    url = postgres.url
    with httpx.Client(base_url=shared.url, timeout=60, headers=shared.headers()) as http:
        before = count(url)
        postgres.stop()
        try:
            during = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(3)]
            assert [r.status_code for r in during] == [200] * 3  # never held back by the audit store
            ids = [r.json()["request_id"] for r in during]
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not all(f"{i}" in failed_lines(shared) for i in ids):
                time.sleep(0.2)
            assert all(i in failed_lines(shared) for i in ids), shared.output()[-3000:]
            seen = readyz_until_degraded(shared.url)  # the worker that failed says so
            degraded = [r.json() for r in seen if r.json()["status"] == "degraded"]
            assert all(r.status_code == 200 for r in seen) and degraded, [r.json()["audit"] for r in seen]
            assert all(d["audit"]["failed"] >= 1 and "audit write failed" in d["audit"]["last_error"]
                       for d in degraded)
            assert "postgresql+psycopg" not in "".join(r.text for r in seen)
        finally:
            postgres.start()
        after = [http.post("/v1/ask", json={"question": QUESTION}) for _ in range(4)]
        assert [r.status_code for r in after] == [200] * 4
        assert wait_rows(url, before + 4) >= before + 4  # the 4 after recorded at once
        # the 3 during, counted as failed, are written from the spool on the holder's next retry (RETRY_S)
        assert wait_ids(url, {*ids, *(r.json()["request_id"] for r in after)}, audit_mod.RETRY_S + 30) == set()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(http.get("/readyz").json()["status"] != "ready" for _ in range(6)):
            http.post("/v1/ask", json={"question": QUESTION})  # a successful write clears `degraded`
            time.sleep(0.3)
        assert all(http.get("/readyz").json()["status"] == "ready" for _ in range(6))


def readyz_until_degraded(url: str, tries: int = 60) -> list[httpx.Response]:
    """/readyz, each on a new connection (so that either worker may answer it), until one says `degraded` or after
    `tries`. One client's requests would all go to one worker over its kept-alive connection; and after the 5 s the
    test may wait for the failed writes to be logged, uvicorn and httpx have both dropped the connection the answers
    went over, so the next one lands on either worker: 20 /readyz over one connection then asked the worker that
    had failed nothing about half of the time."""
    seen: list[httpx.Response] = []
    for _ in range(tries):
        seen.append(httpx.get(f"{url}/readyz", timeout=30, headers={"Connection": "close"}))
        if seen[-1].json()["status"] == "degraded":
            break
    return seen


def failed_lines(server) -> str:
    return "\n".join(line for line in server.output().splitlines() if "audit write failed for" in line)


def test_a_worker_killed_under_load_loses_no_answer_and_marks_what_it_could_not_confirm(shared, postgres):
    """kill -9 of one of two workers under load. Every answer a client received has a whole row (the killed worker's
    from its spool, written by the worker that replaces it); every row since the start is whole; a row whose answer
    no client received (the worker died between recording and sending) says `delivered` false, and there are no more
    of them than requests that ended in a transport error; every row still not marked delivered is of a request in
    flight on the killed worker when it died (at most one per client)."""
    url = postgres.url
    pids = worker_pids(shared)
    assert len(pids) == 2, pids
    started = datetime.now(UTC)
    results: list[tuple[float, int | str, str | None]] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(i):
        with httpx.Client(base_url=shared.url, timeout=30, headers=shared.headers()) as http:
            n = i
            while not stop.is_set():
                n += 1
                try:
                    r = http.post("/v1/ask", json={"question": QUESTIONS[n % 4]})
                    code = r.status_code
                    if code == 503 and r.json().get("error", {}).get("code") == "loading":
                        code = "loading"
                    row = (time.monotonic(), code, r.json().get("request_id") if code == 200 else None)
                except httpx.TransportError as exc:  # a request in flight on the killed worker
                    row = (time.monotonic(), type(exc).__name__, None)
                with lock:
                    results.append(row)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(3)
    killed_at = time.monotonic()
    os.kill(pids[0], signal.SIGKILL)
    time.sleep(5)
    stop.set()
    for t in threads:
        t.join(60)
    ok_ids = {rid for _, code, rid in results if code == 200}
    transport_errors = sum(isinstance(c, str) and c != "loading" for _, c, _ in results)
    after_kill = [code for t, code, _ in results if t > killed_at + 1]
    assert after_kill.count(200) >= 10, after_kill  # the other worker keeps answering
    # the only other answer allowed: 503 `loading` from the replacement worker, which may accept before its index is
    # loaded (on a quick machine)
    assert all(c in (200, "loading") for c in after_kill), after_kill
    assert not [c for _, c, _ in results if isinstance(c, int) and c >= 500], results
    # the rows spooled by the killed worker are written by the replacement worker when it starts
    missing = wait_ids(url, ok_ids, 120)
    assert not missing, f"{len(missing)} of {len(ok_ids)} answers received never recorded"
    engine = create_engine(server_url(url))
    deadline = time.monotonic() + 20
    while True:  # until the marks of the answers received are written (with their row, or in the next batch)
        with engine.connect() as conn:
            since = conn.execute(select(answers).where(answers.c.created_at >= started)).mappings().all()
        unconfirmed = [r for r in since if not r["delivered"]]
        if len(unconfirmed) <= CLIENTS or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    engine.dispose()
    for r in since:  # none is half-written: the body the client got (or was to get), whole
        assert r["status"] == 200 and json.loads(r["response"])["request_id"] == r["request_id"]
        assert r["question"] in QUESTIONS and r["corpus_version"] and r["delivered"] in (True, False)
    unreceived = [r for r in since if r["request_id"] not in ok_ids]
    assert all(r["delivered"] is False for r in unreceived), unreceived  # never a received-looking row
    assert len(unreceived) <= transport_errors, (len(unreceived), transport_errors)
    assert len(unconfirmed) <= CLIENTS, [(r["request_id"], r["request_id"] in ok_ids) for r in unconfirmed]
    print(f"kill -9 under load: {len(ok_ids)} answers (200), {len(since)} rows, {len(unreceived)} of them of an "
          f"answer no client received, {len(unconfirmed) - len(unreceived)} received but not confirmed delivered; "
          f"{transport_errors} connection errors, {sum(c == 'loading' for _, c, _ in results)} 503 loading")
