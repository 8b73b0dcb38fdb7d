"""kill -9 in the middle of ingest leaves an index that the next run repairs to exactly a clean build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from ingest.pipeline import run
from tests.helpers import BENCHMARKS, CORPUS, ROOT, fast_settings, snapshot

CLAPNQ = BENCHMARKS / "clapnq" / "corpus.jsonl"


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    if not CLAPNQ.exists():
        pytest.skip(f"benchmark corpus missing: {CLAPNQ}")
    d = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, d, dirs_exist_ok=True)
    shutil.copy(CLAPNQ, d / "clapnq.jsonl")
    return d


@pytest.fixture(scope="module")
def clean_build(big_corpus, tmp_path_factory):
    s = fast_settings(tmp_path_factory.mktemp("clean"))
    r = run([big_corpus], s)
    assert r.exit_code == 0 and len(r.added) == 602
    return snapshot(s), r.seconds


def _env(home):
    return {**os.environ, "GROUNDED_HOME": str(home), "GROUNDED_EMBED__MODEL": "hash",
            "GROUNDED_CLEAN__OFFTOPIC": "false", "PYTHONPATH": str(ROOT)}


def _committed_docs(path) -> tuple[int, str | None]:
    import sqlite3

    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            n = db.execute("SELECT count(*) FROM docs").fetchone()[0]
            row = db.execute("SELECT value FROM meta WHERE key='in_sync'").fetchone()
            return n, row[0] if row else None
        finally:
            db.close()
    except sqlite3.Error:
        return 0, None


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [0, 1, 300, "after-last-doc"])
def test_kill_9_mid_ingest_then_rerun_equals_clean_build(big_corpus, clean_build, tmp_path, kill_at):
    """Kill before the first commit (while Chroma is written), after the first and a middle group, and in the
    final phase (duplicates and BM25) after every document is recorded."""
    expected, _ = clean_build
    home = tmp_path / "state"
    manifest = home / "index" / "manifest.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.run", "ingest", str(big_corpus),
                             "--quiet"], env=_env(home), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chroma_data = home / "index" / "chroma"
    while proc.poll() is None:
        n, in_sync = _committed_docs(manifest) if manifest.exists() else (0, None)
        if kill_at == 0 and chroma_data.exists() and any(chroma_data.iterdir()):
            break
        if kill_at == "after-last-doc" and n == 602:
            break
        if isinstance(kill_at, int) and kill_at > 0 and n >= kill_at:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before the kill point: the test checked nothing"
    left = _committed_docs(manifest)
    r = run([big_corpus], fast_settings(home))
    assert r.exit_code == 0
    got = snapshot(fast_settings(home))
    assert got["docs"] == expected["docs"]
    assert got["chunks"] == expected["chunks"]
    assert got["chroma"] == expected["chroma"]
    assert got["bm25_ids"] == expected["bm25_ids"] and got["version"] == expected["version"]
    print(f"kill at {kill_at}: left {left[0]} docs recorded (in_sync={left[1]}); next run: {len(r.added)} added, "
          f"{len(r.repaired)} repaired, {len(r.unchanged)} unchanged")
