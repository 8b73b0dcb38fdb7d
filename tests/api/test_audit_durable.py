"""Issue 13: no answer is sent before its audit row is on disk. `os.fsync` is watched (`FsyncSpy`: which answer rows
were in the spool file when an fsync of it started, i.e. which rows that fsync made durable); every message a client
would get is checked against it at the moment it is sent. Inside an API request the fsync is a group commit run off
the event loop (20 concurrent answers, 2-3 fsyncs); outside one (the chat UI's gateway), `record` fsyncs itself.
An fsync that fails does not hold the answer back, is counted (`undurable`, `spool_failures`) and makes /readyz 503
until the spool takes writes again."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
import stat
import threading
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.audit import AuditLog
from assistant.api.audit_durable import DurableResponses
from tests.api.test_app import QUESTION, ready, settings
from tests.api.test_audit import row

T0 = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
ROW_ID = re.compile(rb'\{"request_id":"([^"]+)","created_at"')  # an answer row's line (a mark's has "mark")


class FsyncSpy:
    """Replaces os.fsync: for a regular file, the answer rows it held when the fsync started are `durable` once the
    real fsync returned; `threads` names the thread of each such fsync. `delay` slows each fsync (s); `fail`, when
    set, is raised instead of syncing."""

    def __init__(self, monkeypatch, delay: float = 0.0):
        self.durable: set[str] = set()
        self.threads: list[str] = []
        self.delay, self.fail = delay, None
        self._lock = threading.Lock()
        real = os.fsync

        def fsync(fd: int) -> None:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return real(fd)
            if self.fail is not None:
                raise self.fail
            with open(f"/proc/self/fd/{fd}", "rb") as f:  # the spool's descriptor is write-only
                held = {m.decode() for m in ROW_ID.findall(f.read(st.st_size))}
            time.sleep(self.delay)
            real(fd)
            with self._lock:
                self.durable |= held
                self.threads.append(threading.current_thread().name)

        monkeypatch.setattr(os, "fsync", fsync)


def test_a_row_recorded_outside_a_request_is_fsynced_before_record_returns(tmp_path, monkeypatch):
    spy = FsyncSpy(monkeypatch)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool")  # the writer not started
    for i in range(3):
        log.record(row(i, T0))
        assert f"r{i:04d}" in spy.durable, (i, spy.durable)
    assert log.status()["spool_unsynced_bytes"] == 0
    log.close()


async def _serve(middleware, path: str, rid: int, spy: FsyncSpy, log: AuditLog) -> list[tuple[str, bool]]:
    """One request through `middleware` to an app that records the row `rid` and answers: (message type, was the
    row durable when the message was sent) for each message."""
    seen: list[tuple[str, bool]] = []

    async def send(message) -> None:
        seen.append((message["type"], f"r{rid:04d}" in spy.durable))

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    await middleware({"type": "http", "path": path, "method": "POST", "headers": []}, receive, send)
    return seen


def _answering_app(log: AuditLog):
    async def app(scope, receive, send) -> None:
        log.record(row(int(scope["path"].rsplit("/", 1)[1]), T0))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}", "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    return app


def test_concurrent_api_answers_wait_for_one_group_fsync_off_the_event_loop(tmp_path, monkeypatch):
    """20 answers at once, each fsync slowed to 30 ms: no message of any response goes out before its row is durable,
    `record` never fsyncs on the event loop, and the 20 rows take 2-3 fsyncs (one running when they arrive, one for
    all of them), not 20."""
    spy = FsyncSpy(monkeypatch, delay=0.03)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool")
    log._spool.open()
    middleware = DurableResponses(_answering_app(log), log)

    async def main():
        return await asyncio.gather(*(_serve(middleware, f"/v1/ask/{i}", i, spy, log) for i in range(20)))

    t0 = time.perf_counter()
    results = asyncio.run(main())
    elapsed = time.perf_counter() - t0
    assert all(len(seen) == 3 and all(durable for _, durable in seen) for seen in results), results
    assert {t.split("_")[0] for t in spy.threads} == {"audit-fsync"} and 1 <= len(spy.threads) <= 3, spy.threads
    assert elapsed < 20 * 0.03, elapsed  # one fsync after another would take 0.6 s
    log.close()


def test_outside_the_api_paths_and_after_the_response_record_fsyncs_itself(tmp_path, monkeypatch):
    """The chat UI's requests (not under /v1/) are not held: the gateway's `record` fsyncs before it returns; a row
    recorded once its response is complete (no message left to hold) is fsynced by `record` too."""
    spy = FsyncSpy(monkeypatch)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool")
    seen = asyncio.run(_serve(DurableResponses(_answering_app(log), log), "/gradio_api/queue/7", 7, spy, log))
    assert [durable for _, durable in seen] == [True] * 3 and spy.threads == ["MainThread"]

    async def late(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        log.record(row(8, T0))  # after the response: nothing would wait for it
        assert "r0008" in spy.durable

    assert len(asyncio.run(_serve(DurableResponses(late, log), "/v1/ask/8", 8, spy, log))) == 2
    log.close()


def test_a_failing_fsync_lets_the_answer_go_and_readyz_says_the_spool_cannot_be_written(tmp_path, monkeypatch):
    spy = FsyncSpy(monkeypatch)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool")
    log._spool.open()
    spy.fail = OSError(errno.EIO, "Input/output error")
    seen = asyncio.run(_serve(DurableResponses(_answering_app(log), log), "/v1/ask/1", 1, spy, log))
    assert [kind for kind, _ in seen] == ["http.response.start", "http.response.body", "http.response.body"]
    status = log.status()
    assert status["spool_writable"] is False and "Input/output error" in status["spool_error"]
    assert status["spooled"] == 1 and status["spool_unsynced_bytes"] > 0
    assert status["undurable"] == 1 and status["spool_failures"] >= 1  # counted once for its 3 messages
    spy.fail = None
    monkeypatch.setattr(log, "_last_probe", 0.0)
    status = log.status()  # the probe write and fsync succeed: writable again
    assert status["spool_writable"] is True and status["spool_error"] is None
    assert status["spool_unsynced_bytes"] == 0 and "r0001" in spy.durable
    assert status["undurable"] == 1  # a count since start: the recovery does not hide what happened
    log.close()


def test_every_answer_sent_without_a_durable_row_is_counted_once(tmp_path, monkeypatch):
    """The fsync failing for 3 concurrent API answers, for one recorded outside a request, and the append itself
    failing: 5 answers went out without their row on disk, `undurable` says 5; each failure was counted and logged."""
    spy = FsyncSpy(monkeypatch)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool")
    log._spool.open()
    spy.fail = OSError(errno.ENOSPC, "No space left on device")
    middleware = DurableResponses(_answering_app(log), log)

    async def main():
        return await asyncio.gather(*(_serve(middleware, f"/v1/ask/{i}", i, spy, log) for i in range(3)))

    assert all(len(seen) == 3 for seen in asyncio.run(main()))
    assert log.status()["undurable"] == 3
    log.record(row(3, T0))  # outside a request: `record` fsyncs itself, and fails
    assert log.status()["undurable"] == 4
    spy.fail = None

    real_write = os.write

    def refuse(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", refuse)
    log.record(row(4, T0))  # the append fails: the row is kept in memory only
    monkeypatch.setattr(os, "write", real_write)
    status = log.status()
    assert status["undurable"] == 5 and status["spool_failures"] >= 5, status
    assert log.get("r0004") is not None  # still readable, queued for the database
    log.close()


def test_the_spool_backlog_counts(tmp_path, monkeypatch):
    FsyncSpy(monkeypatch)
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    log = AuditLog(url, spool_dir=tmp_path / "spool")  # not started: everything stays queued
    for i in range(3):
        log.record(row(i, T0 + timedelta(seconds=i)))
    log.delivered("r0000")
    log.delivered("r0001")
    status = log.status()
    assert {k: status[k] for k in ("pending", "spooled", "marks_pending", "spool_writable")} == \
        {"pending": 3, "spooled": 3, "marks_pending": 2, "spool_writable": True}
    assert status["spool_unsynced_bytes"] > 0  # the marks: fsynced by the writer with its next batch
    log.start()
    assert log.flush(20)
    status = log.status()
    assert (status["pending"], status["spooled"], status["marks_pending"], status["written"]) == (0, 0, 0, 3)
    assert status["spool_unsynced_bytes"] == 0
    log.close()
    bare = AuditLog(url)  # no spool: the spool fields are null, the marks still counted
    assert {k: bare.status()[k] for k in ("spooled", "spool_writable", "spool_error", "marks_pending")} == \
        {"spooled": None, "spool_writable": None, "spool_error": None, "marks_pending": 0}
    bare.close()


def test_the_writer_fsyncs_the_delivery_marks_of_a_batch_before_writing_it(tmp_path, monkeypatch):
    """Marks are appended without an fsync (`delivered` never waits for the disk); the writer fsyncs the spool once
    for its batch, before the batch's transaction, so the marks it writes were on disk first. (A log started after its
    rows were recorded would adopt its own file at `start` and fsync it there: here the writer runs first.)"""
    from sqlalchemy import event

    from assistant.api import audit as audit_mod

    monkeypatch.setattr(audit_mod, "LINGER_S", 2.0)  # the rows and their marks in one batch, however slow the machine
    events: list[tuple[str, frozenset]] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            with open(f"/proc/self/fd/{fd}", "rb") as f:
                marks = re.findall(rb'"request_id":"(r\d+)","mark":"delivered"', f.read(st.st_size))
            real(fd)
            events.append(("fsync", frozenset(m.decode() for m in marks)))
            return
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool").start()
    event.listen(log.engine, "commit", lambda conn: events.append(("commit", frozenset())))
    log.record(row(0, T0))  # outside a request: fsynced by `record` itself, before its mark exists
    log.record(row(1, T0))
    log.delivered("r0000")
    log.delivered("r0001")
    assert log.status()["spool_unsynced_bytes"] > 0
    assert log.flush(20)
    first_commit = next(i for i, (kind, _) in enumerate(events) if kind == "commit")
    synced = set().union(*(marks for kind, marks in events[:first_commit] if kind == "fsync"))
    assert {"r0000", "r0001"} <= synced, events
    assert log.status()["spool_unsynced_bytes"] == 0 and log.get("r0000")["delivered"] is True
    log.close()


def test_a_sqlite_commit_is_on_disk_before_the_writer_empties_the_spool(tmp_path):
    """The writer truncates the spool once its rows are committed: in WAL mode only synchronous=FULL makes the commit
    itself survive a power cut (NORMAL may roll the last ones back)."""
    from assistant.api.audit_schema import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


# --- the real app: every kind of answer, and /readyz -----------------------------------------------------------------

class Watch:
    """An ASGI wrapper recording, for each message the app sends, (its body, the answer rows durable then)."""

    def __init__(self, app, spy: FsyncSpy):
        self.app, self.spy, self.sent = app, spy, []

    async def __call__(self, scope, receive, send):
        async def watched(message):
            if scope["type"] == "http":
                self.sent.append((message.get("body", b""), set(self.spy.durable)))
            await send(message)
        await self.app(scope, receive, watched)


def test_every_kind_of_answer_of_the_app_goes_out_after_its_row_is_fsynced(api_home, tmp_path, monkeypatch):
    spy = FsyncSpy(monkeypatch)
    app = create_app(settings(api_home, tmp_path))
    watch = Watch(app, spy)
    chat = {"model": "grounded-extractive", "messages": [{"role": "user", "content": QUESTION}]}
    with TestClient(watch) as client:
        ready(client)
        cases = [("/v1/ask", {"question": QUESTION}, b"\"request_id\""),
                 ("/v1/ask", {"question": QUESTION, "stream": True}, b"event: answer"),
                 ("/v1/chat/completions", chat, b"\"finish_reason\":\"stop\""),
                 ("/v1/chat/completions", {**chat, "stream": True}, b"\"finish_reason\":\"stop\"")]
        for path, body, final in cases:
            watch.sent.clear()
            r = client.post(path, json=body)
            assert r.status_code == 200, r.text
            rid = r.headers.get("x-request-id") or json.loads(r.text.split("\n", 1)[0].removeprefix("data: "))["id"]
            rid = rid.removeprefix("chatcmpl-")
            first = next(i for i, (b, _) in enumerate(watch.sent) if final in b)
            assert all(rid in durable for _, durable in watch.sent[first:]), (path, body)
            if not body.get("stream"):  # a plain answer: its headers too
                assert rid in watch.sent[0][1], path
        assert app.state.audit.flush()
        status = client.get("/readyz").json()
        assert status["audit"]["spooled"] == 0 and status["audit"]["marks_pending"] == 0


def test_readyz_reports_the_backlog_and_is_503_while_the_spool_cannot_be_written(api_home, tmp_path, monkeypatch):
    spy = FsyncSpy(monkeypatch)
    app = create_app(settings(api_home, tmp_path))
    with TestClient(app) as client:
        body = ready(client)
        assert {"spooled", "marks_pending", "spool_writable", "spool_error", "spool_unsynced_bytes"} <= \
            body["audit"].keys() and body["status"] == "ready" and body["audit"]["spool_writable"] is True
        spy.fail = OSError(errno.ENOSPC, "No space left on device")
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 200  # the answer is not refused for the audit's sake
        r = client.post("/v1/ask", json={"question": QUESTION, "stream": True})
        assert r.status_code == 200 and "event: answer" in r.text
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable", r.json()
        assert r.json()["audit"]["undurable"] == 2 and r.json()["audit"]["spool_failures"] >= 2, r.json()["audit"]
        assert r.json()["error"]["code"] == "audit_unavailable" and "No space left" in r.json()["message"]
        assert r.json()["audit"]["spool_writable"] is False and isinstance(r.json()["audit"]["spooled"], int)
        assert r.headers["retry-after"] and "Traceback" not in r.text
        spy.fail = None
        app.state.audit._last_probe = 0.0
        r = client.get("/readyz")
        assert r.status_code == 200 and r.json()["audit"]["spool_writable"] is True, r.json()
        assert r.json()["audit"]["undurable"] == 2  # still counted once the spool takes writes again
