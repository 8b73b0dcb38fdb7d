"""Shared test helpers: fast settings (hash embedder) and an index snapshot to compare builds."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kernel.settings import CleanSettings, EmbedSettings, Settings

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
    when the command is absent (pytest.skip or pytest.fail). The server is tests.chroma_server.ChromaProcess, the
    one the fault tests kill and restart."""
    import pytest

    from tests.chroma_server import ChromaProcess

    server = ChromaProcess(path)
    if not server.exe.exists():
        missing("the `chroma` command of the chromadb package is missing: no server to test against")
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        server.stop()
