"""`kill -9` of an ingest writing to a Chroma server, mid-run: the next run repairs the index to exactly what a clean
build gives: the server holds every chunk id of the manifest and no other (no orphan, no duplicate), the BM25 ids and
the corpus version are the clean build's. tests/ingest/test_crash.py does the same for the embedded store.

The corpus: 200 small generated articles (sentences of corpus/ recombined, each article unique), so that a run is
long enough to be killed in its middle; the hash embedder keeps it to seconds."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from ingest.pipeline import run
from kernel.settings import StoreSettings
from tests.chroma_server import chroma_server
from tests.helpers import CORPUS, ROOT, fast_settings, snapshot

N_DOCS = 200


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    sentences = [s.strip() for f in sorted(CORPUS.glob("*.txt")) for s in re.split(r"(?<=[.!?])\s+", f.read_text())
                 if len(s.split()) > 6]
    rng = random.Random(13)
    d = tmp_path_factory.mktemp("generated-corpus")
    for i in range(N_DOCS):
        body = "\n\n".join(" ".join(rng.sample(sentences, 4)) for _ in range(6))
        (d / f"article-{i:04d}.txt").write_text(f"Generated article {i}\n\nCase file {i:04d}-{rng.randrange(10**6)}. "
                                                f"{body}\n")
    return d


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-ingest")) as server:
        yield server


@pytest.fixture(scope="module")
def clean_build(corpus, chroma, tmp_path_factory):
    s = fast_settings(tmp_path_factory.mktemp("clean"), store=StoreSettings(chroma_url=chroma.url, collection="clean"))
    r = run([corpus], s)
    assert r.exit_code == 0 and len(r.added) == N_DOCS
    return snapshot(s)


def _count(path, table: str = "docs") -> int:
    """Rows of `table` in the manifest at `path`, read-only; 0 while it cannot be read (a run is writing it)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _server_ids(chroma_url: str, collection: str) -> list[str]:
    """Every id the server's collection holds, as listed (a duplicate would show twice)."""
    import chromadb

    col = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1])).get_collection(collection)
    out, offset = [], 0
    while True:
        got = col.get(include=[], limit=5000, offset=offset)["ids"]
        if not got:
            return out
        out += got
        offset += len(got)


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [0, N_DOCS // 2])
def test_kill_9_of_ingest_into_a_chroma_server(corpus, chroma, clean_build, tmp_path, kill_at):
    """Killed before the first commit (while the server is written) and mid-run."""
    collection = f"killed{kill_at}"
    home = tmp_path / "state"
    manifest = home / "index" / "manifest.sqlite"
    env = {**os.environ, "GROUNDED_HOME": str(home), "GROUNDED_EMBED__MODEL": "hash", "GROUNDED_CLEAN__OFFTOPIC": "false",
           "GROUNDED_STORE__CHROMA_URL": chroma.url, "GROUNDED_STORE__COLLECTION": collection, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.run", "ingest", str(corpus), "--quiet"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store_written = False
    while proc.poll() is None:
        n = _count(manifest) if manifest.exists() else 0
        if kill_at == 0:
            with contextlib.suppress(Exception):  # the collection is not there yet
                store_written = store_written or len(_server_ids(chroma.url, collection)) > 0
            if store_written:
                break
        elif n >= kill_at:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before the kill point: the test checked nothing"
    left_docs = _count(manifest)
    left_ids = _server_ids(chroma.url, collection)
    s = fast_settings(home, store=StoreSettings(chroma_url=chroma.url, collection=collection))
    r = run([corpus], s)
    assert r.exit_code == 0
    got = snapshot(s)
    ids = _server_ids(chroma.url, collection)
    manifest_ids = set(got["chunks"])
    print(f"\nkill -9 at {kill_at}: left {left_docs} documents recorded and {len(left_ids)} chunks on the server; "
          f"next run: {len(r.added)} added, {len(r.repaired)} repaired, {len(r.unchanged)} unchanged; server "
          f"{len(ids)} chunk ids ({len(ids) - len(set(ids))} duplicate, {len(set(ids) - manifest_ids)} orphan, "
          f"{len(manifest_ids - set(ids))} missing) against {len(manifest_ids)} in the manifest")
    assert len(ids) == len(set(ids)) and set(ids) == manifest_ids  # no duplicate, no orphan, none missing
    # syndicated-copy links (also_in, dup_cluster) come from an approximate (HNSW) candidate search whose result can
    # depend on the order chunks entered the graph; on this deliberately repetitive corpus a few differ from the clean
    # build's (counted and printed; held to 1%). Every other field of every record must be the clean build's.
    links = {cid for cid, row in got["chunks"].items() if clean_build["chunks"].get(cid, {}).get("also_in") != row["also_in"]}
    print(f"chunks whose syndicated-copy links differ from the clean build: {len(links)}")
    assert len(links) <= len(manifest_ids) // 100

    def strip(rows: dict, fields: tuple[str, ...]) -> dict:
        return {cid: {k: v for k, v in row.items() if k not in fields} for cid, row in rows.items()}

    def strip_meta(chroma: dict) -> dict:
        return {cid: (text, {k: v for k, v in json.loads(meta).items() if k not in ("also_in", "dup_cluster")})
                for cid, (text, meta) in chroma.items()}

    assert got["docs"] == clean_build["docs"]
    assert strip(got["chunks"], ("also_in", "cluster")) == strip(clean_build["chunks"], ("also_in", "cluster"))
    assert strip_meta(got["chroma"]) == strip_meta(clean_build["chroma"])
    assert got["bm25_ids"] == clean_build["bm25_ids"] and got["version"] == clean_build["version"]


@pytest.mark.slow
def test_kill_9_of_a_reingest_into_a_chroma_server(corpus, chroma, tmp_path, monkeypatch):
    """A re-ingest that edits every article, killed mid-run: a reader still reads exactly the old version (the server
    holds both), and the next run publishes what a clean build of the edited articles gives, nothing else on the
    server once the superseded chunks are purged."""
    import shutil

    from ingest import generations
    from ingest.index import open_index

    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    docs = tmp_path / "corpus"
    shutil.copytree(corpus, docs)
    home, collection = tmp_path / "state", "rekilled"
    s = fast_settings(home, store=StoreSettings(chroma_url=chroma.url, collection=collection))
    run([docs], s)
    old = {r["chunk_id"]: r["text"] for r in open_index(s).chunks()}
    for f in sorted(docs.glob("*.txt")):
        f.write_text(f.read_text() + "\nAn added closing paragraph names the reviewing officer.\n")
    env = {**os.environ, "GROUNDED_HOME": str(home), "GROUNDED_EMBED__MODEL": "hash", "GROUNDED_CLEAN__OFFTOPIC": "false",
           "GROUNDED_STORE__CHROMA_URL": chroma.url, "GROUNDED_STORE__COLLECTION": collection, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.run", "ingest", str(docs), "--quiet"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = home / "index" / "manifest.sqlite"
    while proc.poll() is None and _count(manifest, "retired") < len(old) // 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the re-ingest finished before the kill point: the test checked nothing"
    left = set(_server_ids(chroma.url, collection))
    reader = open_index(s)
    assert {r["chunk_id"]: r["text"] for r in reader.chunks()} == old  # the published version, whole and alone
    assert set(old) <= left and len(left) > len(old)  # the server holds the old version and part of the new
    r = run([docs], s)
    assert r.exit_code == 0
    clean = fast_settings(tmp_path / "clean", store=StoreSettings(chroma_url=chroma.url, collection="reclean"))
    run([docs], clean)
    got, want = snapshot(s), snapshot(clean)
    ids = _server_ids(chroma.url, collection)
    print(f"\nre-ingest killed with {len(left)} chunk ids on the server ({len(old)} old); next run: {len(r.updated)} "
          f"updated, {len(r.repaired)} repaired; server {len(ids)} ids against {len(got['chunks'])} in the manifest")
    assert len(ids) == len(set(ids)) and set(ids) == set(got["chunks"]) == set(want["chunks"])
    assert got["docs"] == want["docs"] and got["version"] == want["version"] and got["bm25_ids"] == want["bm25_ids"]
    strip = lambda rows: {c: {k: v for k, v in row.items() if k not in ("also_in", "cluster")}  # noqa: E731
                          for c, row in rows.items()}
    assert strip(got["chunks"]) == strip(want["chunks"])
