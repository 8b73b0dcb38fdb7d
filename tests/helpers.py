"""Shared test helpers: fast settings (hash embedder) and an index snapshot to compare builds."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.settings import CleanSettings, EmbedSettings, Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"


def fast_settings(home: Path, **kw) -> Settings:
    """Settings with the deterministic hash embedder (no model) and no embedding-based cleaning."""
    return Settings(home=home, embed=EmbedSettings(model="hash"), clean=CleanSettings(offtopic=False), **kw)


def snapshot(settings: Settings) -> dict:
    """Everything an index holds, in a comparable form: manifest rows, Chroma records, BM25 ids."""
    from ingest.chroma_store import ChromaStore
    from ingest.manifest import Manifest

    man = Manifest(settings.index_dir / "manifest.sqlite")
    try:
        docs = {d: (r.content_hash, r.state, r.n_chunks, json.dumps(r.meta, sort_keys=True)) for d, r in man.docs().items()}
        chunks = {r["chunk_id"]: r for r in man.chunk_rows()}
        bm25 = man.get("bm25")
        version = man.get("corpus_version")
    finally:
        man.close()
    col = ChromaStore(settings).col
    got = col.get(include=["metadatas", "documents"])
    chroma = {i: (d, json.dumps(m, sort_keys=True)) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
    bm25_ids = sorted(json.loads((settings.index_dir / bm25 / "ids.json").read_text())) if bm25 else None
    return {"docs": docs, "chunks": chunks, "chroma": chroma, "bm25_ids": bm25_ids, "version": version}


@contextmanager
def running_chroma(path: Path, missing: Callable[[str], object]) -> Iterator[str]:
    """A `chroma run` server (from the chromadb package) on a free loopback port, storing under `path`; yields its
    URL once its heartbeat answers (pytest.fail after 60 s), and stops it afterwards. `missing(reason)` is called
    when the command is absent (pytest.skip or pytest.fail)."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    import pytest

    from tests.api.fakes import free_port

    exe = Path(shutil.which("chroma") or Path(sys.executable).parent / "chroma")
    if not exe.exists():
        missing("the `chroma` command of the chromadb package is missing: no server to test against")
    port = free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the Chroma server did not start within 60 s")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
