"""What a reader lease (ingest.manifest_readers) costs a request: what `ingest.index.read_consistently` adds to one
answer (take the lease: an INSERT and a read of the marks; at the end `intact`: a read; release: a DELETE), against
the pin a request already does (`Index.outdated`, one read of the manifest's meta). Measured in `--workers`
processes at once (each `--requests` leases in a row, on one file in a fresh directory), and once more while another
process holds the manifest's write lock for `--hold-ms` at a time, as an ingest does for a group of documents: the
lease file is apart from the manifest, so it does not wait; `--in-manifest` puts the lease table in the manifest
instead, to show what that would cost.

    PYTHONPATH=. python -m tests.scale.lease_cost [--requests 1000] [--workers 1,4] [--hold-ms 200] [--in-manifest]

Prints, per setting, the median, 95th percentile and max of one request's lease cost (ms) and the total for
`--requests` requests per process. Nothing is asserted: disks and load differ."""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from ingest import manifest_readers
from ingest.manifest import Manifest
from ingest.manifest_readers import Lease


def _one_worker(index_dir: str, requests: int, in_manifest: bool, out) -> None:
    """`requests` leases in a row; puts (their costs in seconds, pin costs, how many could not be written) on `out`."""
    d = Path(index_dir)
    if in_manifest:
        manifest_readers.FILE = "manifest.sqlite"  # the same protocol, in the manifest's file
    man = Manifest(d / "manifest.sqlite")
    costs, failed = [], 0
    for _ in range(requests):
        t = time.perf_counter()
        with Lease(d, 3) as lease:
            failed += not lease.held
            lease.intact()
        costs.append(time.perf_counter() - t)
    pin = []
    for _ in range(min(requests, 1000)):
        t = time.perf_counter()
        dict(man.db.execute("SELECT key, value FROM meta WHERE key IN ('corpus_version', 'generation', 'bm25')"))
        pin.append(time.perf_counter() - t)
    out.put((costs, pin, failed))


def _writer(index_dir: str, hold_ms: float, stop) -> None:
    """Holds the manifest's write lock `hold_ms` at a time, with 50 ms between (an ingest writing groups)."""
    db = sqlite3.connect(str(Path(index_dir) / "manifest.sqlite"), isolation_level=None, timeout=30)
    while not stop.is_set():
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('bench', ?)", (str(time.time()),))
        time.sleep(hold_ms / 1000)
        db.execute("COMMIT")
        time.sleep(0.05)


def measure(workers: int, requests: int, hold_ms: float, in_manifest: bool) -> tuple[list[float], list[float], int]:
    """(lease costs, pin costs) in seconds, of every request of every worker, and how many leases were not written
    (their request went on, on the grace period)."""
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        Manifest(Path(tmp) / "manifest.sqlite").close()
        if in_manifest:
            with sqlite3.connect(Path(tmp) / "manifest.sqlite") as db:
                db.executescript(manifest_readers.SCHEMA)
        stop, out = ctx.Event(), ctx.Queue()
        writer = ctx.Process(target=_writer, args=(tmp, hold_ms, stop)) if hold_ms else None
        if writer:
            writer.start()
            time.sleep(0.5)
        procs = [ctx.Process(target=_one_worker, args=(tmp, requests, in_manifest, out)) for _ in range(workers)]
        for p in procs:
            p.start()
        got = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
        stop.set()
        if writer:
            writer.join()
    return [c for g in got for c in g[0]], [c for g in got for c in g[1]], sum(g[2] for g in got)


def _report(label: str, costs: list[float], requests: int, failed: int = 0) -> None:
    ms = sorted(c * 1000 for c in costs)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"  {label}median {statistics.median(ms):7.3f} ms  p95 {p95:7.3f} ms  max {ms[-1]:8.1f} ms  "
          f"{requests} requests {sum(ms) / (len(ms) / requests) / 1000:6.2f} s" + (f"  not written {failed}" if failed else ""))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tests.scale.lease_cost")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--workers", default="1,4")
    p.add_argument("--hold-ms", type=float, default=200.0)
    p.add_argument("--in-manifest", action="store_true")
    a = p.parse_args()
    for workers in (int(w) for w in a.workers.split(",")):
        for hold in (0.0, a.hold_ms):
            for in_manifest in (False, True) if a.in_manifest else (False,):
                costs, pin, failed = measure(workers, a.requests, hold, in_manifest)
                where = "in the manifest" if in_manifest else "readers.sqlite"
                busy = f", ingest holding the manifest {hold:g} ms at a time" if hold else ""
                print(f"lease ({where}), {workers} worker(s){busy}:")
                _report("", costs, a.requests, failed)
                if not hold and not in_manifest:
                    print("  for comparison, the pin's read of the manifest's meta:")
                    _report("", pin, a.requests)


if __name__ == "__main__":
    main()
