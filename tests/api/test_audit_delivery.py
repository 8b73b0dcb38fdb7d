"""Issue 13, the two-phase record: an answer's row is spooled (`delivered` false) before its response is sent and
marked delivered once the whole response went out, so every answer a client received has a whole row even after a
kill -9, and a row whose delivery was not confirmed says so. Plain and streamed answers, /v1/ask and
/v1/chat/completions; the spool's replay of rows and marks; a database made before the `delivered` column."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select

from assistant.api import ask as ask_mod
from assistant.api import openai_compat
from assistant.api.access import Caller
from assistant.api.audit import AuditLog
from assistant.api.audit_schema import answers, feedback
from assistant.api.audit_spool import Spool, fold, read
from assistant.models import Answer
from tests.api.test_audit import row

T0 = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


def db_delivered(url: str) -> dict[str, bool | None]:
    """request_id -> `delivered` as the database has it."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(answers.c.request_id, answers.c.delivered)).all())
    finally:
        engine.dispose()


def test_a_row_is_recorded_not_delivered_and_its_mark_lands_in_the_same_insert(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    log = AuditLog(url, spool_dir=tmp_path / "spool")  # not started: the row stays queued
    log.record(row(1, T0))
    log.record(row(2, T0))
    assert log.get("r0001")["delivered"] is False
    log.delivered("r0001")
    assert log.get("r0001")["delivered"] is True and log.get("r0002")["delivered"] is False
    entries = read(log._spool.path)  # the row line says false, the marker line follows it
    assert [(e["request_id"], e.get("delivered"), e.get("mark")) for e in entries] == [
        ("r0001", False, None), ("r0002", False, None), ("r0001", None, "delivered")]
    log.start()
    assert log.flush(20)
    assert db_delivered(url) == {"r0001": True, "r0002": False}
    log.close()
    assert list((tmp_path / "spool").iterdir()) == []  # rows and marks written: the spool file is gone


def test_a_mark_after_its_row_was_written_is_applied_by_an_update(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    log = AuditLog(url, spool_dir=tmp_path / "spool").start()
    log.record(row(1, T0))
    assert log.flush(20) and db_delivered(url) == {"r0001": False}
    log.delivered("r0001")
    assert log.get("r0001")["delivered"] is True  # at once, before the writer's UPDATE
    assert log.flush(20) and db_delivered(url) == {"r0001": True}
    assert log.status()["written"] == 1 and log.status()["ok"]
    log.close()


def test_a_killed_worker_leaves_rows_marked_as_far_as_delivery_got_and_the_next_one_writes_them(tmp_path):
    """r0001 recorded, killed before sending (no mark); r0002 sent and marked; r0003 written to the database before
    the kill, its mark appended after (the spool holds the mark alone)."""
    url, spool = f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "spool"
    first = AuditLog(url).start()
    first.record(row(3, T0))
    assert first.flush(20)
    first.close()
    dead = AuditLog(url, spool_dir=spool)  # never started, never closed: as at a kill -9
    dead.record(row(1, T0))
    dead.record(row(2, T0))
    dead.delivered("r0002")
    dead.delivered("r0003")
    assert db_delivered(url) == {"r0003": False}
    nxt = AuditLog(url, spool_dir=spool).start()  # the same pid here: a reused pid's file is taken over too
    assert nxt.flush(20) and nxt.status()["unwritten"] == 0
    assert db_delivered(url) == {"r0001": False, "r0002": True, "r0003": True}
    nxt.close()
    assert list(spool.iterdir()) == []


def test_fold_joins_markers_and_reads_rows_of_the_version_before_as_unknown():
    entries = [{**row(1, T0), "delivered": False}, {**row(2, T0), "delivered": False}, row(3, T0),
               {"request_id": "r0002", "mark": "delivered"}, {"request_id": "r0009", "mark": "delivered"}]
    rows, marked = fold(entries)
    assert [(r["request_id"], r["delivered"]) for r in rows] == [("r0001", False), ("r0002", True),
                                                                  ("r0003", None)]
    assert marked == {"r0002", "r0009"}


def test_a_marker_line_cut_short_by_a_crash_leaves_the_row_not_delivered(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append({**row(1, T0), "delivered": False})
    spool.close()
    with open(spool.path, "ab") as f:
        f.write(b'{"request_id":"r0001","ma')
    rows, marked = fold(read(spool.path))
    assert [(r["request_id"], r["delivered"]) for r in rows] == [("r0001", False)] and marked == set()


def test_a_database_made_before_the_delivered_column_gets_it_and_keeps_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = MetaData()
    old_answers = Table("answers", old, *[c._copy() for c in answers.columns if c.name != "delivered"])
    Table("feedback", old, *[c._copy() for c in feedback.columns])
    engine = create_engine(url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(old_answers), [{k: v for k, v in row(1, T0).items()}])
    log = AuditLog(url).start()
    assert "delivered" in {c["name"] for c in inspect(engine).get_columns("answers")}
    assert log.get("r0001")["delivered"] is None  # recorded before delivery was tracked
    log.record(row(2, T0))
    log.delivered("r0002")
    assert log.flush(20) and db_delivered(url) == {"r0001": None, "r0002": True}
    log.close()
    again = AuditLog(url).start()  # a database that has the column is left as it is
    assert again.count() == 2
    again.close()
    engine.dispose()


# --- streams: marked delivered only when every recorded byte went out ------------------------------------------------

class FakeService:
    """`answer` as the server's Service calls it for a stream: one token, then a cited answer."""

    async def answer(self, question, history, engine, filters, on_token=None, gone=None, request_id=None):
        on_token("Yes")
        return Answer(answer="Yes [1].", citations=(), abstained=False, engine="extractive", corpus_version="cv",
                      settings_hash="sh", request_id=request_id or "r-plain")


def fake_request(log: AuditLog):
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(audit=log, service=FakeService())))


FIELDS = {"question": "Is it allowed?", "history": [], "filters": None, "stream": True}


async def drain(events, leave_after: bytes | None = None) -> list[bytes]:
    """The events a client reads; with `leave_after`, it leaves (the generator is closed) after the first event
    containing it, as Starlette closes the stream of a client gone."""
    got = []
    async for event in events:
        got.append(event)
        if leave_after is not None and leave_after in event:
            await events.aclose()
            break
    return got


def ask_stream(log: AuditLog, leave_after: bytes | None = None) -> tuple[str, list[bytes]]:
    events = ask_mod._events(fake_request(log), Caller(None, "127.0.0.1"), {**FIELDS, "endpoint": "/v1/ask"},
                             "extractive", time.perf_counter(), "rask")
    return "rask", asyncio.run(drain(events, leave_after))


def chat_stream(log: AuditLog, leave_after: bytes | None = None) -> tuple[str, list[bytes]]:
    chunks = openai_compat._chunks(fake_request(log), Caller(None, "127.0.0.1"),
                                   {**FIELDS, "endpoint": "/v1/chat/completions"}, "extractive", "grounded-extractive",
                                   time.perf_counter(), len, False)
    got = asyncio.run(drain(chunks, leave_after))
    return json.loads(got[0].decode().removeprefix("data: "))["id"].removeprefix("chatcmpl-"), got


@pytest.mark.parametrize("stream", [ask_stream, chat_stream])
def test_a_stream_read_to_its_end_is_recorded_whole_and_delivered(tmp_path, stream):
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")
    rid, got = stream(log)
    recorded = log.get(rid)
    assert recorded["response"].encode() == b"".join(got) and recorded["delivered"] is True
    log.close()


@pytest.mark.parametrize("stream, leave_after", [(ask_stream, b"event: answer"), (chat_stream, b'"content":"Yes')])
def test_a_client_leaving_once_the_answer_is_made_leaves_a_row_not_delivered(tmp_path, stream, leave_after):
    """The row (the whole stream that was to be sent) is recorded before the answer goes out; the client left
    before the stream ended, so its delivery is not confirmed."""
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")
    rid, got = stream(log, leave_after)
    recorded = log.get(rid)
    assert recorded["delivered"] is False
    assert recorded["response"].encode().startswith(b"".join(got))
    assert stream is ask_stream or recorded["response"].endswith("data: [DONE]\n\n")
    log.close()


def test_a_stream_that_fails_before_its_answer_records_nothing(tmp_path):
    class Failing(FakeService):
        async def answer(self, *args, **kwargs):
            raise RuntimeError("the index went away")

    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")
    request = fake_request(log)
    request.app.state.service = Failing()
    events = ask_mod._events(request, Caller(None, "127.0.0.1"), {**FIELDS, "endpoint": "/v1/ask"}, "extractive",
                             time.perf_counter(), "rfail")
    got = asyncio.run(drain(events))
    assert got[-1].startswith(b"event: error") and log.get("rfail") is None
    log.close()


def test_record_answer_says_not_delivered_when_the_caller_confirms_later_and_null_when_it_does_not(tmp_path):
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")
    request = fake_request(log)
    for rid, confirm in (("rconfirm", True), ("rnot", False)):
        answer = {"request_id": rid, "answer": "Yes [1].", "citations": [], "timings_ms": {}}
        ask_mod.record_answer(request, Caller(None, "127.0.0.1"), endpoint="/ui", question="q", history=[],
                              filters=None, stream=False, answer=answer, body=b"{}", started=time.perf_counter(),
                              confirm=confirm)
    assert log.get("rconfirm")["delivered"] is False and log.get("rnot")["delivered"] is None
    log.delivered("rnot")  # a mark still counts
    assert log.get("rnot")["delivered"] is True
    log.close()


# --- through the server --------------------------------------------------------------------------------------------

def test_every_kind_of_answer_through_the_server_is_replayed_as_delivered(server):
    """A plain and a streamed answer of /v1/ask and of /v1/chat/completions: each replay says `delivered` true (the
    mark is set by a task run after the response went out: polled for up to 10 s)."""
    question = "Which bureau issued the guidance on Huawei's Ascend chips?"
    chat = {"model": "grounded-extractive", "messages": [{"role": "user", "content": question}]}
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
        ids = [http.post("/v1/ask", json={"question": question}).json()["request_id"],
               http.post("/v1/ask", json={"question": question, "stream": True}).headers["X-Request-ID"],
               http.post("/v1/chat/completions", json=chat).json()["id"]]
        streamed = http.post("/v1/chat/completions", json={**chat, "stream": True}).text
        ids.append(json.loads(streamed.split("\n", 1)[0].removeprefix("data: "))["id"])
        deadline, seen = time.monotonic() + 10, {}
        while time.monotonic() < deadline:
            seen = {i: http.get(f"/v1/answers/{i}").json()["delivered"] for i in ids}
            if all(v is True for v in seen.values()):
                break
            time.sleep(0.05)
    assert list(seen.values()) == [True] * 4, seen


def test_feedback_counts_are_unchanged_by_marks(tmp_path):
    """A mark changes `delivered` only: the row, its feedback and the written count stay as they were."""
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}").start()
    log.record(row(1, T0 + timedelta(seconds=1)))
    log.add_feedback("r0001", "up", None, "desk")
    log.delivered("r0001")
    assert log.flush(20)
    got = log.get("r0001")
    assert got["delivered"] is True and [f["rating"] for f in got["feedback"]] == ["up"]
    assert got["question"] == row(1, T0)["question"] and log.status()["written"] == 1
    log.close()
