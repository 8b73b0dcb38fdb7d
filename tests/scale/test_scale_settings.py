"""Where the shared state lives: the setting names, the URL forms, and what happens when the store is not there."""

from __future__ import annotations

import threading

import pytest

from assistant.api.audit import AuditLog
from assistant.api.audit_schema import server_url
from assistant.api.limits import RateLimiter
from assistant.api.settings import load_server_settings
from kernel.errors import ConfigError
from tests.api.fakes import free_port
from tests.scale.test_scale_workers import reset


def test_audit_url_names_old_and_new(monkeypatch, tmp_path):
    monkeypatch.setenv("GROUNDED_HOME", str(tmp_path))
    monkeypatch.delenv("GROUNDED_AUDIT__URL", raising=False)
    monkeypatch.delenv("GROUNDED_API__AUDIT_URL", raising=False)
    assert load_server_settings().audit_url == f"sqlite:///{(tmp_path / 'audit.sqlite').resolve()}"
    monkeypatch.setenv("GROUNDED_API__AUDIT_URL", "postgresql://old@127.0.0.1/a")
    assert load_server_settings().audit_url == "postgresql://old@127.0.0.1/a"
    monkeypatch.setenv("GROUNDED_AUDIT__URL", "postgresql://new@127.0.0.1/b")
    assert load_server_settings().audit_url == "postgresql://new@127.0.0.1/b"  # the name wins


def test_postgres_urls_use_psycopg_3():
    assert server_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert server_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert server_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert server_url("sqlite:////x/audit.sqlite") == "sqlite:////x/audit.sqlite"


def test_a_bad_audit_or_limits_url_is_a_config_error_with_no_password():
    with pytest.raises(ConfigError, match=r"cannot use the audit URL mysql\+nosuchdriver://me:\*\*\*@h/db"):
        AuditLog("mysql+nosuchdriver://me:secret@h/db")
    with pytest.raises(ConfigError, match="cannot use the audit URL") as info:
        AuditLog("postgresql://me:secret@h:notaport/db")
    assert "secret" not in str(info.value)
    with pytest.raises(ConfigError, match="cannot use rate-limit storage") as info:
        RateLimiter("nosuch://user:secret@127.0.0.1:1")
    assert "secret" not in str(info.value)


def test_limits_in_memory_by_default_and_redis_down_lets_requests_through_counted():
    memory = RateLimiter()
    assert memory.status()["storage"] == "memory" and not memory.shared
    assert [memory.hit("a", "x", "2/minute").allowed for _ in range(3)] == [True, True, False]
    down = RateLimiter(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    verdicts = [down.hit("a", "x", "2/minute") for _ in range(3)]
    assert all(v.allowed for v in verdicts) and verdicts[0].headers() == {}
    status = down.status()
    assert status["storage"] == "redis" and status["shared"] and status["errors"] == 3 and status["last_error"]


def test_redis_counts_for_every_limiter(redis_url):
    """Two limiters (as two workers) on one Redis share one window."""
    a, b = RateLimiter(redis_url), RateLimiter(redis_url)
    got = [(a if i % 2 else b).hit("answers", "shared-key", "3/minute").allowed for i in range(5)]
    assert got == [True, True, True, False, False]


def _open_at_once(url: str, n: int) -> list[AuditLog]:
    """`n` audit logs opened on `url` together (workers starting); each ready, none with an error."""
    barrier, logs, errors = threading.Barrier(n), [], []

    def open_one():
        barrier.wait()
        try:
            logs.append(AuditLog(url))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(logs) == n
    assert all(log.status()["ok"] and log.status()["last_error"] is None for log in logs), [lg.status() for lg in logs]
    return logs


def test_workers_creating_the_schema_at_once_all_succeed(postgres):
    """Four audit logs opening one empty PostgreSQL database together (workers starting): every one is ready."""
    reset(postgres.url)
    logs = _open_at_once(postgres.url, 4)
    for log in logs:
        log.close()


def test_workers_opening_a_database_made_before_the_delivered_column_all_add_it_once(postgres):
    """An audit database on PostgreSQL made before schema 2 (no `answers.delivered`), with a row: four audit logs
    opening it together all become ready, the column is added once (under the schema lock), the old row reads
    `delivered` null, and a new row with its delivery mark is written."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, Table, create_engine, insert, inspect, select

    from assistant.api.audit_schema import answers, feedback

    reset(postgres.url)
    old = MetaData()
    old_answers = Table("answers", old, *[c._copy() for c in answers.columns if c.name != "delivered"])
    Table("feedback", old, *[c._copy() for c in feedback.columns])
    engine = create_engine(server_url(postgres.url))
    old.create_all(engine)
    when = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
    base = {"created_at": when, "endpoint": "/v1/ask", "question": "q", "history": [], "stream": False,
            "status": 200, "response": "{}", "response_type": "application/json"}
    with engine.begin() as conn:
        conn.execute(insert(old_answers), [{**base, "request_id": "old"}])
    logs = _open_at_once(postgres.url, 4)
    assert [c["name"] for c in inspect(engine).get_columns("answers")].count("delivered") == 1
    log = logs[0].start()
    log.record({**base, "request_id": "new"})
    log.delivered("new")
    assert log.flush(20)
    with engine.connect() as conn:
        got = dict(conn.execute(select(answers.c.request_id, answers.c.delivered)).all())
    assert got == {"old": None, "new": True}
    for one in logs:
        one.close()
    engine.dispose()
    reset(postgres.url)
