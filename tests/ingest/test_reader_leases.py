"""Reader leases (issue 13): a request records the generation it reads; ingest's purge spares every generation a live
lease pins, however long after its switch; a lease of a killed worker expires; a reader that cannot write its lease
still answers (on the grace period)."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from ingest import generations, manifest_readers
from ingest.index import open_index
from ingest.manifest_readers import Lease, fence
from ingest.pipeline import run
from tests.helpers import CORPUS, ROOT, fast_settings

EDITED = "us-warns-against-huawei-ai-chips"


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    return d


def _texts(index) -> dict[str, str]:
    return {d["doc_id"]: index.document(d["doc_id"])["text"] for d in index.documents()}


def _retired(s) -> int:
    with sqlite3.connect(s.index_dir / "manifest.sqlite") as db:
        return db.execute("SELECT count(*) FROM retired").fetchone()[0]


def test_a_leased_generation_outlives_the_grace_period(corpus, tmp_path, monkeypatch):
    """Grace period 0: without its lease, the reader opened before the re-ingest would lose the edited document's old
    chunks (rows and vectors) at the end of that run; with it, it reads them all until it releases the lease, and the
    next run purges them."""
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    old = open_index(s)
    docs, rows = _texts(old), {r["chunk_id"]: r["text"] for r in old.chunks()}
    f = corpus / f"{EDITED}.txt"
    f.write_text(f.read_text().replace("Huawei", "Huawei (edited)", 1))
    with old.lease() as lease:
        assert lease.held and lease.usable
        assert run([corpus], s).updated == [EDITED]  # switched, and purged what no lease pins
        assert _texts(old) == docs
        assert {r["chunk_id"]: r["text"] for r in old.chunks()} == rows
        assert set(old.embeddings(list(rows))) == set(rows)
        assert lease.intact()
        assert _retired(s) > 0
    run([corpus], s)  # the lease is gone: only the purge
    assert _retired(s) == 0
    assert "(edited)" in _texts(open_index(s))[EDITED]


def test_fence_keeps_the_oldest_leased_generation_and_raises_the_floor(tmp_path):
    """The purge may go up to 9: leases on 5 and 3 hold it at 3 (an expired one on 2 does not); once 3 is released it
    goes to 5; a lease taken on 4 after that is refused (its rows may be gone), one on 5 is intact until the purge
    passes it."""
    d = tmp_path
    on5, on3, _expired = Lease(d, 5), Lease(d, 3), Lease(d, 2, ttl=-1.0)
    assert fence(d, 9) == 3
    on3.release()
    assert fence(d, 9) == 5
    late = Lease(d, 4)
    assert late.held and not late.usable and not late.intact()
    late.release()
    assert on5.usable and on5.intact()
    on5.release()
    assert fence(d, 9) == 9
    assert not on5.intact()
    assert manifest_readers.live(d) == []


def test_a_lease_that_cannot_be_written_leaves_the_request_on_the_grace_period(tmp_path, caplog):
    """No lease file can be made (its directory is missing): the reader goes on, says so in the log, and never
    raises."""
    with caplog.at_level(logging.WARNING, "grounded.ingest"), Lease(tmp_path / "missing", 7) as lease:
        assert not lease.held and lease.usable and lease.intact()
    assert "could not record the reader lease on generation 7" in caplog.text


def test_the_lease_of_a_killed_worker_holds_the_purge_until_it_expires(tmp_path):
    """Another process takes a lease on generation 2 (life 30 s) and is killed with SIGKILL: its lease still holds
    the purge at 2; 31 s later (the purge's clock) it has expired and is deleted."""
    code = ("import sys, time; from pathlib import Path; from ingest.manifest_readers import Lease; "
            "lease = Lease(Path(sys.argv[1]), 2, ttl=30.0); print(lease.held, flush=True); time.sleep(600)")
    worker = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert worker.stdout.readline().strip() == "True"
    finally:
        worker.kill()
        worker.wait(30)
    assert [g for g, _ in manifest_readers.live(tmp_path)] == [2]
    assert fence(tmp_path, 6) == 2
    assert fence(tmp_path, 6, now=time.time() + 31) == 6
    with sqlite3.connect(tmp_path / manifest_readers.FILE) as db:
        assert db.execute("SELECT count(*) FROM readers").fetchone()[0] == 0
