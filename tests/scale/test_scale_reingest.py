"""Ingest while serving (issue 13): two API workers keep answering while another process re-ingests the corpus three
times, each time with one memo changed, with the index embedded or in a Chroma server (`chroma run` on loopback:
ingest writes to it, both workers read from it); every answer comes from one corpus version, the one its `corpus_version`
names (never the memo's sentence of one version under the label of another), and the workers answer from the new
version without a restart."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from ingest import generations
from tests.chroma_server import chroma_server
from tests.helpers import CORPUS, ROOT
from tests.scale.conftest import FAST_ENV, SITE, start_workers

MEMO = "memo-penang-register"
HOW_OFTEN = ("every quarter", "every month", "every week")  # the memo's one changing phrase, per version
QUESTION = "How often does the compliance office review the Penang lab register?"
CLIENTS = 3


def memo(version: int) -> str:
    return ("---\ntitle: Penang lab register memo\npublisher: Acme Compliance Office\npublished: 2025-06-02\n---\n"
            "The Penang lab keeps a register of every accelerator it benchmarks. The compliance office reviews the "
            f"Penang lab register {HOW_OFTEN[version]}, and each entry names the engineer who ran the benchmark.\n")


@pytest.fixture(params=["embedded", "chroma server"])
def store_env(request, tmp_path):
    """The environment that puts the index in a Chroma server started for the test ({} for the embedded store)."""
    if request.param == "embedded":
        yield {}
        return
    with chroma_server(tmp_path / "chroma-server") as server:
        yield {"GROUNDED_STORE__CHROMA_URL": server.url}


def ingest(corpus: Path, home: Path, version: int, env: dict[str, str]) -> str:
    """Write the memo of `version` and ingest the corpus in another process; the corpus version it made."""
    (corpus / f"{MEMO}.md").write_text(memo(version), encoding="utf-8")
    pythonpath = os.pathsep.join([str(SITE), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    done = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--home", str(home), "--quiet"], cwd=ROOT,
                          env={**os.environ, **FAST_ENV, "PYTHONPATH": pythonpath, **env}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(home / "index" / "manifest.sqlite") as db:
        return db.execute("SELECT value FROM meta WHERE key='corpus_version'").fetchone()[0]


def test_answers_during_a_reingest_each_come_from_one_corpus_version(tmp_path, store_env):
    corpus, home = tmp_path / "corpus", tmp_path / "home"
    shutil.copytree(CORPUS, corpus)
    versions = {ingest(corpus, home, 0, store_env): 0}
    server = start_workers(home, {"GROUNDED_API__RATE_LIMIT": "", **store_env}, workers=2)  # no limit: all ask
    results: list[tuple[float, int, dict | str]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            while not stop.is_set():
                r = http.post("/v1/ask", json={"question": QUESTION})
                results.append((time.monotonic(), r.status_code, r.json() if r.status_code == 200 else r.text))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        time.sleep(2)
        ingests = []
        for version in (1, 2, 1):  # back to 1: a version seen before, reached again
            t0 = time.monotonic()
            versions[ingest(corpus, home, version, store_env)] = version
            ingests.append((t0, time.monotonic()))
        done_at = time.monotonic()
        time.sleep(4)
    finally:
        stop.set()
        for t in threads:
            t.join(70)
        server.stop()
    assert len(versions) == 3, versions  # versions 1 and 1 again: the same chunks, the same corpus version

    failed = [(s, body[:300]) for _, s, body in results if s != 200]
    assert not failed, (Counter(s for s, _ in failed), failed[:5])  # answering went on through every ingest
    seen, mixed = Counter(), []
    for _, _, body in results:
        said = body["corpus_version"]
        assert said in versions, (said, versions)
        text = body["answer"] + " ".join(c["quote"] for c in body["citations"])
        found = {v for v, phrase in enumerate(HOW_OFTEN) if phrase in text}
        if found - {versions[said]}:
            mixed.append((said[:12], versions[said], found, body["answer"][:200]))
        seen[versions[said]] += 1
    during = sum(any(a <= t <= b for a, b in ingests) for t, _, _ in results)
    print(f"\n{store_env or 'embedded'}: {len(results)} answers, {during} of them while an ingest ran ({len(ingests)} ingests); by memo version "
          f"{dict(seen)}; mixed {len(mixed)}")
    assert any(HOW_OFTEN[versions[b['corpus_version']]] in b["answer"] for _, _, b in results), "the memo never answered"
    last = [b["corpus_version"] for t, _, b in results if t > done_at + 2]
    assert last and all(versions[v] == 1 for v in last), Counter(versions[v] for v in last)  # picked up, no restart
    assert during > 0, "no answer was asked while an ingest ran"
    assert "Traceback" not in server.output(), server.output()[-3000:]
    assert not mixed, mixed
    time.sleep(max(0.0, generations.GRACE_S - (time.monotonic() - done_at)))
    ingest(corpus, home, 1, store_env)  # nothing changed: past the grace period, it only purges the old chunks
    stored, listed = _store_and_manifest_ids(home, store_env)
    assert stored == listed, (len(stored - listed), len(listed - stored))  # no orphan, none missing


def _store_and_manifest_ids(home: Path, env: dict[str, str]) -> tuple[set[str], set[str]]:
    """The chunk ids in the vector store (embedded or the server) and those the manifest lists."""
    from ingest.chroma_store import ChromaStore
    from kernel.settings import StoreSettings
    from tests.helpers import fast_settings

    store = ChromaStore(fast_settings(home, store=StoreSettings(chroma_url=env.get("GROUNDED_STORE__CHROMA_URL"))))
    with sqlite3.connect(home / "index" / "manifest.sqlite") as db:
        listed = {r[0] for r in db.execute("SELECT chunk_id FROM chunks")}
    return store.ids(), listed

