"""A write-ahead spool for the audit log: every answer row is appended to a local file before it is queued for the
database, and the file is emptied once everything in it is written.

What it protects against: a worker killed with rows still queued (kill -9, out-of-memory), and a database that stays
down longer than the writer's retries. The rows stay in the worker's spool file
(`<home>/audit-spool/<database>/<host>-<pid>.jsonl`, see `spool_dir`);
the next worker that starts on the host, or the same worker on its next retry, writes them (rows whose request id is
already in the database are skipped, so a replay never duplicates). The file is written with `os.write` on an
O_APPEND descriptor and not fsynced: a killed process loses nothing the kernel has accepted; a power cut may lose the
last rows. A line cut short by the kill is skipped and logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from datetime import datetime
from pathlib import Path

log = logging.getLogger("grounded.audit")
DATETIME_COLUMNS = ("created_at",)


def spool_dir(home: Path, audit_url: str) -> Path:
    """The spool directory of one audit database on this home: `<home>/audit-spool/<12 hex of sha256(url)>`, so
    that rows spooled for one database are never replayed into another (a home served with another audit URL)."""
    return Path(home) / "audit-spool" / hashlib.sha256(audit_url.encode()).hexdigest()[:12]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class Spool:
    """This process's spool file. `append(row)` one answer row (a dict of `answers` columns; datetimes allowed);
    `clear()` once every appended row is in the database; `close()` removes the file when it is empty."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.host = socket.gethostname()
        self.path = self.dir / f"{self.host}-{os.getpid()}.jsonl"
        self._fd: int | None = None

    def orphans(self) -> list[dict]:
        """The rows left by dead processes of this host (a file named after this very pid included: a reused pid),
        each file claimed by renaming it first so that two workers starting together never both take it. The
        claimed files are deleted by `release()` once their rows are written."""
        rows: list[dict] = []
        self._claimed: list[Path] = []
        for path in sorted(self.dir.glob(f"{self.host}-*.jsonl*")):
            pid_part = path.name[len(self.host) + 1:].split(".", 1)[0]
            owner = path.name.rsplit("-", 1)[-1] if ".replaying-" in path.name else pid_part
            if not owner.isdigit() or (int(owner) != os.getpid() and _alive(int(owner))):
                continue
            claimed = path.with_name(f"{self.host}-{pid_part}.jsonl.replaying-{os.getpid()}")
            try:
                path.rename(claimed)
            except OSError:  # another worker claimed it first
                continue
            self._claimed.append(claimed)
            rows += read(claimed)
        return rows

    def release(self) -> None:
        """Delete the files `orphans()` claimed (their rows are written, or appended to this spool)."""
        for path in getattr(self, "_claimed", []):
            path.unlink(missing_ok=True)
        self._claimed = []

    def open(self) -> Spool:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return self

    def append(self, row: dict) -> None:
        """Append one row as a JSON line. OSError if the disk refuses (the caller logs it)."""
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n"
        os.write(self.open()._fd, line.encode("utf-8"))

    def clear(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Close the file; remove it when empty (rows still in it are replayed by the next worker)."""
        if self._fd is not None:
            empty = os.fstat(self._fd).st_size == 0
            os.close(self._fd)
            self._fd = None
            if empty:
                self.path.unlink(missing_ok=True)


def read(path: Path) -> list[dict]:
    """The rows of a spool file; a line cut short (the process died mid-write) is skipped and logged."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        log.error("audit spool %s unreadable: %s", path.name, exc)
        return rows
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            for col in DATETIME_COLUMNS:
                if isinstance(row.get(col), str):
                    row[col] = datetime.fromisoformat(row[col])
            rows.append(row)
        except (ValueError, TypeError) as exc:
            log.error("audit spool %s line %d skipped (cut short?): %s", path.name, n, exc)
    return rows


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
