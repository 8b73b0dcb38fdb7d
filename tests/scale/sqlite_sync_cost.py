"""What `PRAGMA synchronous=FULL` costs the SQLite audit log against NORMAL (its setting before issue 13), measured on
its own: the audit writer's one transaction per batch (an INSERT of `--batch` answer rows of the size the server
writes, as `AuditLog._write` does), through `audit_schema.make_engine` (WAL, busy timeout) with synchronous left
at FULL or set back to NORMAL on each connection. The two settings alternate round by round (`--rounds`, each
`--batches` transactions into a fresh database per setting), so both see the same moment's load on a shared machine.

    PYTHONPATH=. python -m tests.scale.sqlite_sync_cost [--rounds 6] [--batches 150] [--batch 1,8] [--dir DIR]

Prints, per batch size and setting, the median and 95th percentile of the wall time of one transaction (what the
writer thread waits: off the request path, it bounds how many rows a second one writer can commit) and the median
CPU time of the process per transaction; the median of the per-round medians too (the steadier figure). Nothing is
asserted: an fsync on a laptop SSD, a cloud volume and tmpfs differ by orders of magnitude."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert

from assistant.api import audit_schema
from assistant.api.audit_schema import answers
from tests.scale.spool_append_cost import answer_row


def engine_for(path: Path, synchronous: str):
    """The audit log's engine on `path`, its connections at `synchronous` (FULL: as made; NORMAL: set after)."""
    engine = audit_schema.make_engine(f"sqlite:///{path}")
    if synchronous != "FULL":
        @event.listens_for(engine, "connect")
        def _sync(dbapi_connection, _record):  # runs after make_engine's own listener: the last word
            dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")
    audit_schema.create_schema(engine)
    with engine.connect() as conn:
        got = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    assert got == {"FULL": 2, "NORMAL": 1}[synchronous], (synchronous, got)
    return engine


def one_round(directory: Path, synchronous: str, batches: int, batch: int, first: int) -> tuple[list[float], list[float]]:
    """(wall ms, process CPU ms) of each of `batches` transactions of `batch` rows into a fresh database."""
    path = directory / f"audit-{synchronous}-{first}.sqlite"
    engine = engine_for(path, synchronous)
    wall, cpu = [], []
    for b in range(batches):
        rows = [answer_row(first + b * batch + i) for i in range(batch)]
        t0, c0 = time.perf_counter(), time.process_time()
        with engine.begin() as conn:
            conn.execute(insert(answers), rows)
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.scale.sqlite_sync_cost", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--batches", type=int, default=150, help="transactions per round and setting")
    p.add_argument("--batch", default="1,8", help="rows per transaction (comma-separated)")
    p.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temporary directory "
                   "under the current one, the disk a home in it would be on)")
    args = p.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="sqlite-sync-", dir=args.dir or Path.cwd()) as tmp:
        for batch in [int(x) for x in args.batch.split(",")]:
            wall = {"FULL": [], "NORMAL": []}
            cpu = {"FULL": [], "NORMAL": []}
            medians = {"FULL": [], "NORMAL": []}
            for r in range(args.rounds):
                order = ("FULL", "NORMAL") if r % 2 == 0 else ("NORMAL", "FULL")
                for setting in order:
                    w, c = one_round(Path(tmp), setting, args.batches, batch, r * 1_000_000)
                    wall[setting] += w
                    cpu[setting] += c
                    medians[setting].append(statistics.median(w))
            for setting in ("NORMAL", "FULL"):
                w = sorted(wall[setting])
                print(f"batch {batch:>2} rows, synchronous={setting:<6}: {len(w)} transactions, wall median "
                      f"{statistics.median(w):.2f} ms, p95 {w[int(0.95 * (len(w) - 1))]:.2f} ms, median of round "
                      f"medians {statistics.median(medians[setting]):.2f} ms; CPU median "
                      f"{statistics.median(cpu[setting]):.2f} ms")
            print(f"batch {batch:>2} rows: FULL - NORMAL, median of paired round medians "
                  f"{statistics.median(f - n for f, n in zip(medians['FULL'], medians['NORMAL'], strict=True)):+.2f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
