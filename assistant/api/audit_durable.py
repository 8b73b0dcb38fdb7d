"""No answer goes out before its audit row is on disk (issue 13): the group commit of the spool's fsyncs, and the
ASGI middleware that holds each API response until the rows its request recorded are fsynced.

`AuditLog.record` runs on the event loop and must not wait for a disk: it appends the row (a write, no fsync) and,
inside an API request (a path under `/v1/`), notes the row's end position in the request's `Owed`. `DurableResponses`
wraps the request's `send`: before any message goes to the client (the headers of a plain answer, the final event
of a stream) it awaits `GroupCommit.wait(pos)`, which returns at once when an fsync already covered the row, and
otherwise runs `Spool.sync(pos)` on the one fsync thread: the answers recorded while an fsync is running all wait for
the next one, so N concurrent answers cost about 2 fsyncs, not N, and none of them holds the event loop. A row
recorded outside an API request (the chat UI's gateway, a script, a test), or after its request's response ended, is
fsynced by `record` itself before it returns (one fsync on the caller's thread).

If the fsync fails (the disk refuses), the response still goes out (an answer is never refused for the audit's
sake, as when the append itself fails); the failure is logged and counted (`spool_failures`: appends and fsyncs that
failed; `undurable`: answers sent before their row was on disk, once per answer; both in /readyz `audit`, never
reset), and /readyz says the spool cannot be written (503 until a probe write succeeds: `AuditLog.spool_writable`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from assistant.api.audit_spool import Spool
from assistant.api.redact import public

log = logging.getLogger("grounded.audit")
PROBE_S = 1.0  # while the spool is not writable, /readyz tries a write at most this often
API_PREFIX = "/v1/"  # the API's answering paths; the chat UI's (gradio's) requests are not held (see `owed`)


class Owed:
    """What one API request owes the spool before it may send: `pos`, the end position (`Spool.appended`) of the
    last row it recorded, 0 for none; `open`, false once its response is complete; `lost`, true once a message went
    out before its row was fsynced (counted once per request)."""

    __slots__ = ("lost", "open", "pos")

    def __init__(self) -> None:
        self.pos, self.open, self.lost = 0, True, False


_owed: contextvars.ContextVar[Owed | None] = contextvars.ContextVar("audit_owed", default=None)


def owed() -> Owed | None:
    """The `Owed` of the API request being served in this context, while its response is not complete; None
    elsewhere (then the caller must fsync the row itself)."""
    current = _owed.get()
    return current if current is not None and current.open else None


class GroupCommit:
    """The fsyncs of one spool, off the event loop, on one thread. `await wait(pos)`: bytes up to `pos` are on disk
    (or the fsync failed: `on_error(exc)` was called). `fsyncs` counts the fsyncs this thread ran."""

    def __init__(self, spool: Spool, on_error: Callable[[OSError], None]):
        self.spool, self._on_error = spool, on_error
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="audit-fsync")
        self.fsyncs = 0

    def _sync(self, pos: int) -> None:
        if self.spool.synced < pos:  # else an fsync run meanwhile covered it
            self.fsyncs += 1
            self.spool.sync(pos)

    async def wait(self, pos: int) -> bool:
        """True once the spool's bytes up to `pos` are fsynced; False when the fsync failed (logged, reported by
        `on_error`) or the log is closed. Never raises (cancellation aside)."""
        if self.spool.synced >= pos:
            return True
        try:
            await asyncio.get_running_loop().run_in_executor(self._pool, self._sync, pos)
        except OSError as exc:
            self._on_error(exc)
            return False
        except RuntimeError:  # the pool is shut down: the log is closing
            return False
        return True

    def close(self) -> None:
        """Wait for the fsync in progress, then stop the thread."""
        self._pool.shutdown(wait=True)


class DurableResponses:
    """ASGI middleware: a response to a request under `/v1/` is not sent (not its headers, not a stream's next
    event) until every audit row the request recorded so far is fsynced (`audit.durable(pos)`)."""

    def __init__(self, app, audit):
        self.app, self.audit = app, audit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        mine = Owed()
        token = _owed.set(mine)

        async def durable_send(message) -> None:
            if mine.pos and not await self.audit.durable(mine.pos) and not mine.lost:
                mine.lost = True  # sent all the same: an answer is never refused for the audit's sake
                self.audit.count_undurable()
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                mine.open = False  # a row recorded from now on is fsynced by `record` itself
            await send(message)

        try:
            await self.app(scope, receive, durable_send)
        finally:
            mine.open = False
            _owed.reset(token)


class DurableAudit:
    """The part of `AuditLog` (a mixin: it uses the log's `_spool`, `_commit`, `_lock`, `_pending`, `_unspooled`,
    `_marks`, counters) that makes rows durable before their answers go out, and reports the backlog."""

    def _make_durable(self, pos: int) -> None:
        """The row ending at spool position `pos` is fsynced before its response is sent: by the response (noted in
        the request's `Owed`) or here and now."""
        request = owed()
        if request is not None:
            request.pos = max(request.pos, pos)
            return
        try:
            self._spool.sync(pos)
        except OSError as exc:
            self._spool_failed(exc)
            self.count_undurable()

    def count_undurable(self) -> None:
        """One more answer sent (or about to be) before its audit row was on disk (`undurable` in `status()`)."""
        with self._lock:
            self.undurable += 1

    async def durable(self, pos: int) -> bool:
        """Wait (off the event loop) until the spool is fsynced up to position `pos`; True when it is, False when
        the fsync failed (logged; /readyz says so) or there is no spool. Never raises."""
        return await self._commit.wait(pos) if self._commit is not None else False

    def _spool_failed(self, exc: OSError, kept: str = "rows not yet fsynced may be lost at a power cut") -> None:
        """Log and count (`spool_failures`) a spool append or fsync that failed. Called with or without the lock."""
        self.spool_failures += 1  # an int += under the GIL from the few threads that write the spool: close enough
        log.error("audit spool write failed (%s): %s", kept, exc)

    def status(self) -> dict:
        """For /readyz: `ok` (the last database write succeeded), rows `written`, `pending` (recorded, not yet in
        the database), `unwritten` (given up on for now, retried), `failed`, `dropped`, `last_error`; and the
        backlog (issue 13): `spooled`, rows in this worker's spool file not yet in the database; `marks_pending`,
        delivery marks not yet applied in the database; `spool_writable` (false: the last spool append or fsync
        failed, `spool_error` says why; /readyz is then 503) and `spool_unsynced_bytes`; those three None without
        a spool; `spool_failures` (appends and fsyncs that failed) and `undurable` (answers sent before their row
        was on disk: its append or fsync failed), counted since start. All counts are of this worker. `last_error` and
        `spool_error` name no path of the server (GROUNDED_HOME, else `<path>`; the server's log has them). While the spool is not writable, a probe line is written and fsynced
        (at most every PROBE_S) to notice when it is again."""
        if self._spool is not None and self._spool.error is not None:
            self._probe_spool()
        with self._lock:
            self._unspooled &= self._pending.keys()
            spool = self._spool
            return {"ok": self._ready and self._last_ok, "written": self.written,
                    "pending": len(self._pending), "unwritten": len(self._unwritten), "failed": self.failed,
                    "dropped": self.dropped, "last_error": public(self.last_error, any_path=True),
                    "spooled": None if spool is None else len(self._pending) - len(self._unspooled),
                    "marks_pending": len(self._marks), "spool_writable": None if spool is None else spool.error is None,
                    "spool_error": None if spool is None else public(spool.error, any_path=True),
                    "spool_unsynced_bytes": None if spool is None else spool.appended - spool.synced,
                    "spool_failures": self.spool_failures, "undurable": self.undurable}

    def _probe_spool(self) -> None:
        """Append a line replay ignores (`{"request_id": "", "mark": "probe"}`) and fsync it: clears the spool's
        error when the disk takes writes again. At most every PROBE_S; never raises."""
        if time.monotonic() - self._last_probe < PROBE_S:
            return
        self._last_probe = time.monotonic()
        try:
            with self._lock:
                pos = self._spool.append({"request_id": "", "mark": "probe"}, sync=False)
            self._spool.sync(pos)
        except OSError as exc:
            log.warning("audit spool still not writable: %s", exc)
