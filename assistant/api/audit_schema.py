"""The audit log's schema, in SQLAlchemy Core so that SQLite (the default) and PostgreSQL (issue 13) share it.

`answers`: one row per answer given over HTTP (or the UI): who asked (key name, never the key; client address),
what (question, history, filters, engine), what was answered (text, abstained, citations with quotes and offsets,
warnings), with what (corpus version, settings hash), how long, and the exact response body, so a replay months
later is byte for byte what the user got. `delivered` (issue 13): true once the whole response was handed to the
client's connection; false while that is not confirmed (the row is spooled before the response is sent, so a worker
killed in between leaves a row whose answer the client may or may not have got); null when delivery is not tracked:
rows recorded before schema 2 (just after their response was sent), and the chat UI's (recorded before shown). `feedback`: ratings linked by request id.

Schema changes: `create_schema` creates what is missing and then adds the columns a database made by an older version
lacks (`MIGRATIONS`, nullable columns only, so that rows already there stay valid and older workers still running
can go on inserting). No version table: the columns themselves say what a database has.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from kernel.errors import ConfigError

SCHEMA_VERSION = 2  # 2: answers.delivered
BUSY_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5  # PostgreSQL: an unreachable server fails a write in this many seconds, not a TCP timeout
SCHEMA_LOCK_KEY = 0x67726F756E646564 % (2**63)  # pg_advisory_xact_lock key for creating the schema ("grounded")


class UTCDateTime(TypeDecorator):
    """A UTC instant stored without an offset (the same on SQLite and PostgreSQL), read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("audit times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

answers = Table(
    "answers", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("endpoint", String(64), nullable=False),
    Column("key_name", String(64)),
    Column("client", String(128)),
    Column("question", Text, nullable=False),
    Column("history", JSON, nullable=False),
    Column("filters", JSON),
    Column("engine", String(32)),
    Column("stream", Boolean, nullable=False, default=False),
    Column("answer", Text),
    Column("abstained", Boolean),
    Column("citations", JSON),
    Column("warnings", JSON),
    Column("corpus_version", String(64)),
    Column("settings_hash", String(64)),
    Column("timings_ms", JSON),
    Column("status", Integer, nullable=False, default=200),
    Column("response", Text, nullable=False),
    Column("response_type", String(64), nullable=False, default="application/json"),
    Column("delivered", Boolean),  # schema 2; see the module docstring
)
Index("answers_created_at", answers.c.created_at)
Index("answers_key_name", answers.c.key_name)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("key_name", String(64)),
    Column("rating", String(8), nullable=False),
    Column("comment", Text),
)
Index("feedback_request_id", feedback.c.request_id)

ANSWER_COLUMNS = [c.name for c in answers.columns]
MIGRATIONS = {"answers": ("delivered",)}  # columns added after schema 1, each nullable


def make_engine(url: str) -> Engine:
    """An engine for the audit URL; SQLite gets WAL, FULL sync and a busy timeout on every connection; PostgreSQL
    (`postgresql://...`, driver psycopg 3) a connection timeout and a liveness check before each pooled connection
    is reused (so writing resumes by itself after a restart of the server). ConfigError for an unusable URL or a
    missing driver."""
    if url.startswith("sqlite"):
        from pathlib import Path

        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=_json, connect_args={"check_same_thread": False,
                                                                         "timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # pragma: no branch - runs per new connection
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk when it returns (NORMAL could lose the last commits at a power cut, after the
            # writer had emptied the spool that held them: issue 13's promise); one fsync per batch, in the writer
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            cur.close()

        return engine
    url = server_url(url)
    try:
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if url.startswith("postgresql+psycopg") else {}
        return create_engine(url, json_serializer=_json, pool_pre_ping=True, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        shown = _redacted(url)
        hint = (" (PostgreSQL needs psycopg 3: pip install 'psycopg[binary]', or the project's `scale` extra)"
                if isinstance(exc, ImportError | NoSuchModuleError) and "psycopg" in url else "")
        raise ConfigError(f"cannot use the audit URL {shown}: {str(exc).replace(url, shown)}{hint}") from None


def server_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean PostgreSQL through psycopg 3 (SQLAlchemy's own default is psycopg2,
    which is not installed); a URL naming its driver (`postgresql+psycopg2://`) is kept as it is."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_schema(engine: Engine) -> None:
    """Create the tables and indexes that are missing, then add the columns of `MIGRATIONS` an older database lacks.
    Several workers starting at once do not race: on PostgreSQL they take turns under an advisory lock; elsewhere a
    loser of the race finds the tables and columns on its second look. SQLAlchemyError if the database cannot be
    reached."""
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(conn)
            _add_missing_columns(conn)
    except SQLAlchemyError:  # another worker created a table or column between our look and our CREATE or ALTER (or
        time.sleep(0.1)      # the server is down: then this raises again)
        with engine.begin() as conn:
            metadata.create_all(conn)
            _add_missing_columns(conn)


def _add_missing_columns(conn) -> None:
    """`ALTER TABLE t ADD COLUMN c <type>` for each column of `MIGRATIONS` that table `t` does not have yet (the same
    statement on SQLite and PostgreSQL; the column is nullable, so existing rows get NULL)."""
    for name, columns in MIGRATIONS.items():
        table = metadata.tables[name]
        have = {c["name"] for c in inspect(conn).get_columns(name)}
        for col in columns:
            if col not in have:
                kind = table.c[col].type.compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {col} {kind}"))


def _redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, creds = head.partition("//")
    return f"{scheme}//{creds.split(':', 1)[0]}:***@{tail}"


def _json(value) -> str:
    """JSON columns keep non-ASCII text readable (and searchable by `audit purge --contains`)."""
    return json.dumps(value, ensure_ascii=False)
