"""What a durable audit-spool append costs: `Spool.append` (write + fsync) against the same write without fsync
(the spool before appends were fsynced), on a directory of the disk the server's home would be on; and what an answer
costs in `AuditLog` (a SQLite log with its spool there, its writer thread running): `record` alone and `record` then
`delivered`, called outside an API request (as the chat UI's gateway calls it: `record` fsyncs the row itself, on the
caller's thread); and answers served concurrently through `DurableResponses` (as /v1/ask's are: `record` appends,
the response waits for the group fsync off the event loop), `--concurrency` answers at a time, against the same
without the wait (the spool before issue 13's per-answer durability: the writer fsynced once per batch).

    PYTHONPATH=. python -m tests.scale.spool_append_cost [--rows N] [--dir DIR] [--concurrency 1,8,32]

Prints the load average, the row size in bytes, and for each variant the mean, median and 99th-percentile
microseconds per row; for the concurrent ones, the event loop's time in `record` per answer, the time from `record`
to the response's first message (what the answer waits for its fsync), the answers per second and the fsyncs per
answer. Nothing is asserted: the figures depend on the disk (an fsync on a laptop SSD, a cloud volume and tmpfs
differ by orders of magnitude)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from assistant.api import audit_durable
from assistant.api.audit import AuditLog
from assistant.api.audit_spool import Spool, _encode


def answer_row(i: int) -> dict:
    """An answer row of the size the server spools (a cited answer with its JSON response, about 3 KB)."""
    quote = "The Commerce Department issued guidance stating that the use of Huawei Technologies’ Ascend chips"
    citations = [{"id": n, "doc_id": f"doc-{n}", "quote": quote, "start": 100 * n, "end": 100 * n + len(quote),
                  "score": 0.8} for n in range(1, 5)]
    answer = "Yes. " + " ".join(f"“{quote}” [{n}]." for n in range(1, 5))
    response = json.dumps({"answer": answer, "citations": citations, "request_id": f"r{i:06d}"}, ensure_ascii=False)
    return {"request_id": f"r{i:06d}", "created_at": datetime.now(UTC), "endpoint": "/v1/ask", "key_name": "desk",
            "client": "127.0.0.1", "question": "Is testing a Huawei Ascend 910D in Malaysia a violation?",
            "history": [], "filters": None, "engine": "extractive", "stream": False, "answer": answer,
            "abstained": False, "citations": citations, "warnings": [], "corpus_version": "cv", "settings_hash": "sh",
            "timings_ms": {"total": 41.5}, "status": 200, "response": response, "response_type": "application/json"}


def per_row_us(append, rows: list[dict]) -> list[float]:
    """Microseconds each call of `append(row)` took, one per row."""
    out = []
    for row in rows:
        t0 = time.perf_counter()
        append(row)
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def audit_log_us(directory: Path, rows: list[dict], mark: bool) -> list[float]:
    """Microseconds per answer of `AuditLog.record(row)`, and with `mark` of `AuditLog.delivered(request_id)` after
    it (skipped when this version has no `delivered`), with the log's writer thread running; waits for the writer."""
    log = AuditLog(f"sqlite:///{directory / 'audit.sqlite'}", spool_dir=directory / "spool").start()  # a fresh log
    deliver = getattr(log, "delivered", None) if mark else None
    out = []
    try:
        for row in rows:
            row = {**row, "request_id": f"{row['request_id']}-{int(mark)}"}
            t0 = time.perf_counter()
            log.record(row)
            if deliver is not None:
                deliver(row["request_id"])
            out.append((time.perf_counter() - t0) * 1e6)
            time.sleep(0.0005)  # answers arrive over time, not in one burst
        log.flush(60)
    finally:
        log.close()
    return out


def _quantiles(us: list[float]) -> str:
    q = statistics.quantiles(us, n=100) if len(us) > 1 else [us[0]] * 99
    return f"mean {statistics.fmean(us):8.1f} µs  median {q[49]:8.1f} µs  p99 {q[98]:8.1f} µs"


class _NoWait(audit_durable.DurableResponses):
    """The request context without the wait: `record` appends and returns, the response goes out at once (the
    spool as it was before each answer was made durable: fsynced by the writer once per batch)."""

    async def __call__(self, scope, receive, send) -> None:
        token = audit_durable._owed.set(audit_durable.Owed())
        try:
            await self.app(scope, receive, send)
        finally:
            audit_durable._owed.reset(token)


def concurrent_answers(directory: Path, rows: list[dict], concurrency: int, wait: bool) -> dict:
    """`rows` answered by `concurrency` clients at a time (each one after the other), each answer recorded then sent
    through `DurableResponses` (or `_NoWait`): lists of µs in `record` and µs from `record` to the first message
    sent, answers per second, fsyncs per answer."""
    log = AuditLog(f"sqlite:///{directory / 'audit.sqlite'}", spool_dir=directory / "spool").start()
    in_record: list[float] = []
    to_send: list[float] = []

    async def app(scope, receive, send) -> None:
        row = rows[scope["row"]]
        t0 = time.perf_counter()
        log.record({**row, "request_id": f"{row['request_id']}-c{concurrency}{int(wait)}"})
        in_record.append((time.perf_counter() - t0) * 1e6)
        await send({"type": "http.response.start", "status": 200, "headers": [], "t0": t0})
        await send({"type": "http.response.body", "body": b"{}"})

    served = (audit_durable.DurableResponses if wait else _NoWait)(app, log)

    async def client(numbers: range) -> None:
        async def send(message) -> None:
            if "t0" in message:
                to_send.append((time.perf_counter() - message["t0"]) * 1e6)
        for n in numbers:
            await served({"type": "http", "path": "/v1/ask", "row": n}, None, send)

    async def run() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(range(c, len(rows), concurrency)) for c in range(concurrency)))
        return time.perf_counter() - t0

    try:
        elapsed = asyncio.run(run())
        fsyncs = log._commit.fsyncs
        log.flush(60)
    finally:
        log.close()
    return {"record": in_record, "wait": to_send, "per_s": len(rows) / elapsed, "fsyncs": fsyncs / len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temporary directory)")
    parser.add_argument("--concurrency", default="1,8,32", help="answers at a time for the concurrent variants")
    args = parser.parse_args()
    rows = [answer_row(i) for i in range(args.rows)]
    size = len(json.dumps(rows[0], ensure_ascii=False, separators=(",", ":"), default=_encode).encode()) + 1
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on "
          f"{os.cpu_count()} cores; {args.rows} rows of {size} bytes")
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        durable = Spool(Path(d) / "durable")
        fd = os.open(Path(d) / "unsynced.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

        def unsynced(row: dict) -> None:
            os.write(fd, (json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n")
                     .encode("utf-8"))

        variants = (("write only (before)", lambda: per_row_us(unsynced, rows)),
                    ("write + fsync (Spool.append)", lambda: per_row_us(durable.append, rows)),
                    ("AuditLog.record (fsyncs)", lambda: audit_log_us(Path(d) / "log1", rows, False)),
                    ("AuditLog.record + delivered", lambda: audit_log_us(Path(d) / "log2", rows, True)))
        for name, run in variants:
            print(f"{name:30s} {_quantiles(run())} per row")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            for wait in (False, True):
                got = concurrent_answers(Path(d) / f"c{concurrency}{int(wait)}", rows, concurrency, wait)
                print(f"{concurrency:3d} at a time, {'fsync awaited' if wait else 'no wait (before)':17s} "
                      f"{got['per_s']:7.0f} answers/s, {got['fsyncs']:.3f} fsyncs/answer (fsync thread)\n"
                      f"    event loop in record   {_quantiles(got['record'])}\n"
                      f"    record -> first byte   {_quantiles(got['wait'])}")
        os.close(fd)
        durable.clear()
        durable.close()


if __name__ == "__main__":
    main()
