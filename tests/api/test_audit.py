"""The audit log: rows written off the request path, export / import round trips (JSON Lines and CSV), purge and
retention, and the `audit` and `keys` commands as a compliance officer runs them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from assistant.api import audit_io
from assistant.api.audit import AuditLog, dumps
from assistant.api.keys import KeyStore
from kernel.errors import InputError
from tests.helpers import ROOT


def row(i: int, when: datetime, **kw) -> dict:
    answer = {"answer": f"Answer {i} [1]", "abstained": False, "request_id": f"r{i:04d}",
              "citations": [{"id": 1, "doc_id": "d", "quote": "q", "start": 0, "end": 1}], "warnings": [],
              "engine": "extractive", "corpus_version": "cv", "settings_hash": "sh", "timings_ms": {"total": 1.5}}
    base = {"request_id": answer["request_id"], "created_at": when, "endpoint": "/v1/ask", "key_name": "desk",
            "client": "127.0.0.1", "question": f"Question {i} about Müller?", "history": [], "filters": None,
            "engine": "extractive", "stream": False, "answer": answer["answer"], "abstained": False,
            "citations": answer["citations"], "warnings": [], "corpus_version": "cv", "settings_hash": "sh",
            "timings_ms": {"total": 1.5, "server": 2.0}, "status": 200, "response": dumps(answer),
            "response_type": "application/json"}
    return {**base, **kw}


@pytest.fixture
def log(tmp_path):
    audit = AuditLog(f"sqlite:///{tmp_path / 'audit.sqlite'}").start()
    yield audit
    audit.close()


T0 = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


def test_feedback_on_an_answer_still_queued_is_seen(tmp_path):
    audit = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}")  # not started: the row stays queued
    audit.record(row(1, T0))
    audit.add_feedback("r0001", "up", "clear", "desk")
    assert [f["comment"] for f in audit.get("r0001")["feedback"]] == ["clear"]
    audit.close()


def test_rows_are_readable_at_once_and_written_in_the_background(log):
    for i in range(300):
        log.record(row(i, T0 + timedelta(seconds=i)))
    assert log.get("r0299")["question"] == "Question 299 about Müller?"  # queued or written: readable either way
    assert log.flush() and log.count() == 300 and log.status()["written"] == 300
    got = log.get("r0007")
    assert got["created_at"] == T0 + timedelta(seconds=7) and got["citations"][0]["quote"] == "q"
    assert log.get("nope") is None
    assert list(log.rows(chunk=7)) == list(log.rows())  # read in chunks, same rows in the same order


def test_rows_queued_in_a_killed_worker_are_written_by_the_next_one_from_the_spool(tmp_path):
    url, spool = f"sqlite:///{tmp_path / 'a.sqlite'}", tmp_path / "spool"
    dead = AuditLog(url, spool_dir=spool)  # never started, never closed: its rows sit in the queue, as at a kill -9
    dead._spool.open()
    for i in range(5):
        dead.record(row(i, T0 + timedelta(seconds=i)))
    with open(dead._spool.path, "ab") as f:
        f.write(b'{"request_id":"r9999","crea')  # the line the kill cut short
    assert AuditLog(url).count() == 0
    nxt = AuditLog(url, spool_dir=spool).start()  # the same pid here: a reused pid's file is taken over too
    nxt.record(row(5, T0 + timedelta(seconds=5)))
    assert nxt.flush(20) and nxt.count() == 6 and nxt.status()["unwritten"] == 0
    assert nxt.get("r0003")["created_at"] == T0 + timedelta(seconds=3)
    nxt.close()
    assert list(spool.iterdir()) == []  # every row written: no spool file is left
    again = AuditLog(url, spool_dir=spool).start()
    assert again.flush() and again.count() == 6  # nothing replayed twice
    again.close()


def test_a_batch_the_database_refused_is_kept_and_written_once_it_is_back(tmp_path, monkeypatch):
    import sqlite3

    from assistant.api import audit as audit_mod
    from assistant.api import audit_schema

    monkeypatch.setattr(audit_schema, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(audit_mod, "RETRIES", (0.05,))
    monkeypatch.setattr(audit_mod, "RETRY_S", 0.3)
    log = AuditLog(f"sqlite:///{tmp_path / 'a.sqlite'}", spool_dir=tmp_path / "spool").start()
    lock = sqlite3.connect(tmp_path / "a.sqlite", timeout=0)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        log.record(row(1, T0))
        assert log.flush(10) and log.status()["failed"] == 1 and log.status()["unwritten"] == 1
        assert log.get("r0001")["question"] == "Question 1 about Müller?"  # still readable
        assert "kept in the spool" in log.status()["last_error"]
    finally:
        lock.rollback()
        lock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and log.status()["unwritten"]:
        time.sleep(0.05)
    assert log.status()["unwritten"] == 0 and log.count() == 1 and log.status()["ok"]
    log.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_export_gives_the_same_bytes(log, tmp_path, fmt):
    for i in range(20):
        log.record(row(i, T0 + timedelta(minutes=i), history=[{"role": "user", "content": "earlier, \"quoted\"\n"}]))
    log.flush()
    log.add_feedback("r0003", "down", "wrong date, comma, \"quote\"", "desk")
    first = io.StringIO()
    assert audit_io.write(log.rows(), first, fmt) == 20
    other = AuditLog(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    assert other.add_rows(audit_io.read(io.StringIO(first.getvalue()), fmt, "export")) == (20, 0)
    assert other.add_rows(audit_io.read(io.StringIO(first.getvalue()), fmt, "export")) == (0, 20)
    second = io.StringIO()
    audit_io.write(other.rows(), second, fmt)
    assert second.getvalue() == first.getvalue()
    assert other.get("r0003")["feedback"][0]["comment"] == "wrong date, comma, \"quote\""
    assert other.get("r0005")["response"] == log.get("r0005")["response"]
    other.close()


def test_export_bounds_are_inclusive_days(log):
    for day in range(5):
        log.record(row(day, T0 + timedelta(days=day)))
    log.flush()
    since, until = audit_io.parse_bound("2026-05-15"), audit_io.parse_bound("2026-05-16", end=True)
    assert [r["request_id"] for r in log.rows(since, until)] == ["r0001", "r0002"]
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        audit_io.parse_bound("last tuesday")


def test_a_malformed_export_names_the_line(tmp_path):
    with pytest.raises(InputError, match="export line 2: not JSON"):
        list(audit_io.read(io.StringIO('\n{oops\n'), "jsonl", "export"))
    with pytest.raises(InputError, match="missing created_at"):
        list(audit_io.read(io.StringIO('{"request_id": "a", "endpoint": "x", "question": "q", "response": "{}"}\n'),
                           "jsonl", "export"))


def test_purge_by_text_key_date_and_id(log):
    log.record(row(1, T0, question="Is Jane Doe's shipment to Penang a violation?"))
    log.record(row(2, T0, history=[{"role": "user", "content": "I am JANE DOE from the Penang lab"}]))
    log.record(row(3, T0 + timedelta(days=400), key_name="other"))
    log.record(row(4, T0 + timedelta(days=400)))
    log.flush()
    log.add_feedback("r0001", "up", None, "desk")
    assert log.purge(contains="jane doe", dry_run=True) == 2 and log.count() == 4
    assert log.purge(contains="jane doe") == 2 and log.count() == 2 and log.get("r0001") is None
    assert log.purge(key_name="other") == 1
    assert log.purge(before=T0 + timedelta(days=401)) == 1 and log.count() == 0
    with pytest.raises(ValueError):
        log.purge()


def test_retention_purges_old_rows_at_start_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    audit = AuditLog(url).start()
    now = datetime.now(UTC)
    audit.record(row(1, now - timedelta(days=31)))
    audit.record(row(2, now - timedelta(days=1)))
    audit.close()
    kept = AuditLog(url, retention_days=30).start()  # as a server starts
    for _ in range(100):
        if kept.count() == 1:
            break
        time.sleep(0.02)
    assert [r["request_id"] for r in kept.rows()] == ["r0002"]
    kept.close()


def test_keys_store_only_hashes_and_reload_on_change(tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    assert not store.active()
    key = store.add("helpdesk-bot", "600/minute")
    text = (tmp_path / "keys.json").read_text()
    assert key.startswith("grd_") and len(key) > 40 and key not in text and key[4:] not in text
    assert oct((tmp_path / "keys.json").stat().st_mode & 0o777) == "0o600"
    other = KeyStore(tmp_path / "keys.json")  # as the server sees the file
    assert other.match(key).name == "helpdesk-bot" and other.match(key).rate_limit == "600/minute"
    assert other.match(key + "x") is None
    with pytest.raises(InputError, match="already called"):
        store.add("helpdesk-bot")
    with pytest.raises(InputError, match="key name"):
        store.add("bad name!")
    store.revoke("helpdesk-bot")
    assert other.match(key) is None and not other.active()
    with pytest.raises(InputError, match="no active key"):
        store.revoke("helpdesk-bot")


def cli(*args, home, check=True) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "assistant", *args, "--home", str(home)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_keys_commands(tmp_path):
    added = cli("keys", "add", "desk", home=tmp_path)
    key = added.stdout.strip()
    assert key.startswith("grd_") and "shown only now" in added.stderr
    listed = cli("keys", "list", home=tmp_path).stdout
    assert "desk" in listed and "active" in listed and key not in listed and key[:8] in listed
    cli("keys", "revoke", "desk", home=tmp_path)
    assert "revoked" in cli("keys", "list", home=tmp_path).stdout
    bad = cli("keys", "revoke", "desk", home=tmp_path, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("error: no active key")


def test_answers_through_the_server_are_all_recorded_and_the_export_round_trips(server, tmp_path):
    """N answers over HTTP give N rows; `audit export` then `audit import` elsewhere then export gives the same file;
    the imported log replays the answer byte for byte."""
    questions = ["Who is the Under Secretary of Commerce for Industry and Security?",
                 "Which bureau issued the guidance on Huawei's Ascend chips?"] * 10
    served = {}
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as http:
        for q in questions:
            r = http.post("/v1/ask", json={"question": q})
            served[r.json()["request_id"]] = r.content
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    export = tmp_path / "audit.jsonl"
    for _ in range(50):
        cli("audit", "export", "--since", since, "--out", str(export), home=server.home)
        rows = {json.loads(x)["request_id"]: json.loads(x) for x in export.read_text().splitlines()}
        if set(served) <= set(rows):
            break
    assert set(served) <= set(rows)
    assert all(rows[rid]["response"].encode() == body for rid, body in served.items())
    elsewhere = tmp_path / "archive"
    assert cli("audit", "import", str(export), home=elsewhere).stdout.startswith(f"imported {len(rows)} answer(s)")
    again = tmp_path / "again.jsonl"
    cli("audit", "export", "--out", str(again), home=elsewhere)
    assert again.read_bytes() == export.read_bytes()
    csv_out = cli("audit", "export", "--format", "csv", home=elsewhere).stdout
    assert csv_out.splitlines()[0].startswith("request_id,created_at,endpoint,key_name")
    purge = cli("audit", "purge", "--contains", "Under Secretary", home=elsewhere)
    assert "10 answer(s) match" in purge.stdout or int(purge.stdout.split()[0]) >= 10
    assert "--yes" in purge.stdout
    cli("audit", "purge", "--contains", "Under Secretary", "--yes", home=elsewhere)
    left = cli("audit", "export", home=elsewhere).stdout
    assert "Under Secretary" not in "".join(json.loads(x)["question"] for x in left.splitlines())
    bad = cli("audit", "purge", home=elsewhere, check=False)
    assert bad.returncode == 1 and "say what to purge" in bad.stderr
