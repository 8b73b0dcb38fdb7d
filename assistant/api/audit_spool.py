"""A write-ahead spool for the audit log: every answer row is appended to a local file before it is queued for the
database, and the file is emptied once everything in it is written.

What it protects against: a worker killed with rows still queued (kill -9, out-of-memory), and a database that stays
down longer than the writer's retries. The rows stay in the worker's spool file
(`<home>/audit-spool/<database>/<host>-<pid>.jsonl`, see `spool_dir`);
the next worker that starts on the host, or the same worker on its next retry, writes them (rows whose request id is
already in the database are skipped, so a replay never duplicates). Each row is written with `os.write` on an
O_APPEND descriptor (the directory is fsynced when the file is created). Durability (issue 13): an answer's row is
fsynced before its response is sent. `append` returns the row's end position (bytes appended by this `Spool` so far,
monotonic across `clear`) and `sync(upto)` fsyncs unless `synced` already covers `upto`; concurrent answers share one
fsync (a group commit: assistant.api.audit_durable holds each response until an fsync that started after its row was
written has returned). So neither a killed process nor a power cut loses the row of an answer a client received.
Delivery marks are fsynced by the audit writer once per batch: a power cut can lose the last few ms of marks (those
rows then say `delivered` false, as for an answer whose delivery was never confirmed).

Two phases (issue 13): an answer's row is appended with `delivered: false` before its response is sent (a plain
answer's before its body, a streamed answer's before its final event), and a delivery marker
(`{"request_id": ..., "mark": "delivered"}`, `mark`) once the whole response went out. `fold` joins them on replay:
a worker killed after sending leaves the row (and the marker, if it got that far); killed before sending, a row
marked not delivered, never nothing. A last line cut short by a crash mid-append is skipped on replay with a warning;
any other unreadable line is skipped with an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
from datetime import datetime
from pathlib import Path

log = logging.getLogger("grounded.audit")
DATETIME_COLUMNS = ("created_at",)
DELIVERED = "delivered"  # the `mark` of a delivery marker line


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
    `mark(request_id)` its delivery marker; `sync(upto)` makes them durable; `clear()` once every appended row is in
    the database; `close()` removes the file when it is empty. `appended` / `synced`: bytes appended by this object
    so far / of those, the bytes known to be on disk (both monotonic: `clear` does not reset them). `error`: the
    message of the last append or fsync that failed, None once an fsync succeeds after it."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        _make_dirs_durably(self.dir)
        self.host = socket.gethostname()
        self.path = self.dir / f"{self.host}-{os.getpid()}.jsonl"
        self._fd: int | None = None
        self.appended = self.synced = 0
        self.error: str | None = None  # the last append or fsync failed (cleared by an fsync that succeeds)
        self._sync_lock = threading.Lock()  # one fsync at a time: the others wait for it and usually find it was enough

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
        """Open this process's file for appending (created with mode 0600 if missing, and then its directory
        fsynced so that the new name survives a crash). OSError if the disk refuses."""
        if self._fd is None:
            flags = os.O_WRONLY | os.O_APPEND
            try:
                self._fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                self._fd = os.open(self.path, flags)
            else:
                _fsync_dir(self.dir)
        return self

    def append(self, row: dict, sync: bool = True) -> int:
        """Append one row as a JSON line and return its end position (`appended` after it: pass it to `sync`); with
        `sync`, fsync it (on return the row is on disk). Without, the row is in the kernel's page cache (it survives
        the process, not a power cut) until a `sync` covering it. OSError if the disk refuses (the caller logs it).
        Cost: a write, ~50-70 µs; with the fsync ~0.5-4 ms (`python -m tests.scale.spool_append_cost`)."""
        data = memoryview((json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n")
                          .encode("utf-8"))
        try:
            fd = self.open()._fd
            while data:  # a short write (rare on a regular file) continues where it stopped
                n = os.write(fd, data)
                data = data[n:]
                self.appended += n
        except OSError as exc:
            self.error = str(exc)
            raise
        end = self.appended
        if sync:
            self.sync(end)
        return end

    def mark(self, request_id: str) -> int:
        """Append the delivery marker of the row `request_id` (without an fsync: the next `sync()` makes it
        durable); returns its end position. OSError if the disk refuses."""
        return self.append({"request_id": request_id, "mark": DELIVERED}, sync=False)

    def sync(self, upto: int | None = None) -> int:
        """Make every byte appended up to position `upto` (default: all appended so far) durable, and return
        `synced`. Thread-safe, a group commit: one fsync at a time, each covering every byte appended before it
        started; a caller whose bytes an earlier fsync covered returns without one. OSError if the disk refuses
        (`synced` is then unchanged)."""
        with self._sync_lock:
            if upto is not None and self.synced >= upto:
                return self.synced
            target = self.appended  # written before this fsync starts: covered by it
            if self._fd is None:  # closed (its last batch was synced by the writer) or never opened
                return self.synced
            try:
                os.fsync(self._fd)
            except OSError as exc:
                self.error = str(exc)
                raise
            self.synced, self.error = max(self.synced, target), None
            return self.synced

    def clear(self) -> None:
        """Truncate the file (every row and mark in it is written). OSError if the disk refuses."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)

    def close(self) -> None:
        """Close the file; remove it when empty (rows still in it are replayed by the next worker)."""
        with self._sync_lock:  # not under an fsync of another thread
            if self._fd is None:
                return
            empty = os.fstat(self._fd).st_size == 0
            os.close(self._fd)
            self._fd = None
            if empty:
                self.path.unlink(missing_ok=True)


def fold(entries: list[dict]) -> tuple[list[dict], set[str]]:
    """(rows, delivered ids) of spool entries as `read` gives them: the answer rows in order, each with `delivered`
    true when a marker for it follows or its line says so, false when its line says false (spooled before its
    response was sent, the delivery not confirmed), None on a row spooled by a version before the two phases (they
    were spooled after sending); and the request ids marked delivered, markers whose row is not in `entries`
    included (a row already written when the marker was appended)."""
    rows = [e for e in entries if e.get("mark") is None]
    marked = {e["request_id"] for e in entries if e.get("mark") == DELIVERED}
    marked |= {r["request_id"] for r in rows if r.get("delivered") is True}
    for r in rows:
        r["delivered"] = True if r["request_id"] in marked else r.get("delivered")
    return rows, marked


def read(path: Path) -> list[dict]:
    """The entries of a spool file, in file order: answer rows (dicts with a `request_id`; `created_at` parsed back
    to a datetime) and delivery markers (`{"request_id": ..., "mark": "delivered"}`; see `fold`).
    Never raises: an unreadable file gives [] (logged as an error); a last line without its newline (the process or
    machine died mid-append) is skipped with a warning; any other line that is not such a row is skipped with an
    error. The file is not changed."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        log.error("audit spool %s unreadable: %s", path.name, exc)
        return rows
    lines = text.split("\n")  # the last element is "" when the file ends with a complete line
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("request_id"), str):
                raise ValueError("not an answer row (no request_id)")
            for col in DATETIME_COLUMNS:
                if isinstance(row.get(col), str):
                    row[col] = datetime.fromisoformat(row[col])
            rows.append(row)
        except (ValueError, TypeError) as exc:
            if n == len(lines):  # no newline after it: the append was cut short
                log.warning("audit spool %s line %d (the last, %d characters) cut short by a crash mid-append, "
                            "skipped: %s", path.name, n, len(line), exc)
            else:
                log.error("audit spool %s line %d skipped (unreadable): %s", path.name, n, exc)
    return rows


def _fsync_dir(directory: Path) -> None:
    """fsync a directory, so that names created or renamed in it survive a crash. OSError if it cannot be opened."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs_durably(directory: Path) -> None:
    """`mkdir -p directory`; each directory it had to create is then made durable by fsyncing its parent."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    for d in reversed(missing):
        _fsync_dir(d.parent)


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
