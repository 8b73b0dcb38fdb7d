"""The synthetic scale index opens like one ingest built: counts, text offsets, dense/lexical search, filters."""

from __future__ import annotations

import numpy as np
import pytest

from evals.synthetic import build_synthetic_index, synthetic_info
from ingest.embed import make_embedder
from ingest.index import open_index
from ingest.manifest import Manifest
from ingest.pipeline import run
from ingest.shaping import shaping_hash
from ingest.vector_store import Condition, MetaFilter
from tests.helpers import BENCHMARKS, CORPUS, fast_settings

N = 300


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not (BENCHMARKS / "clapnq" / "corpus.jsonl").exists():  # the synthetic index is built from ClapNQ's text
        pytest.skip(f"the ClapNQ benchmark is not at {BENCHMARKS / 'clapnq'}")
    home = tmp_path_factory.mktemp("synth")
    settings = build_synthetic_index(home, N, seed=1, settings=fast_settings(home), verbose=False)
    index = open_index(settings)
    yield settings, index
    index.manifest.close()


def test_counts_match_everywhere(built):
    settings, index = built
    docs, chunks = index.documents(), index.chunks()
    assert len(chunks) == N == index.store.count() == sum(d["chunks"] for d in docs)
    assert {c["chunk_id"] for c in chunks} == index.store.ids()
    assert len({c["chunk_id"] for c in chunks}) == N
    assert all(d["state"] == "ready" and d["title"] for d in docs)
    assert {d["doc_id"] for d in docs} >= {p.stem for p in CORPUS.glob("*.txt")}
    info = synthetic_info(settings)
    assert info and info["n_chunks"] == N and info["seed"] == 1


def test_manifest_keys_make_it_in_sync(built):
    settings, index = built
    man = index.manifest
    assert man.get("in_sync") == "1"
    assert man.get("shaping") == shaping_hash(settings) == index.store.shaping()
    assert index.corpus_version and man.get("bm25") == f"bm25-{index.corpus_version}"
    assert (settings.index_dir / man.get("bm25")).is_dir()
    assert man.undeduped() == []


def test_chunk_text_is_the_document_slice(built):
    _, index = built
    for d in index.documents():
        doc = index.document(d["doc_id"])
        rows = index.chunks(doc_id=d["doc_id"])
        assert [r["ordinal"] for r in rows] == list(range(len(rows)))
        for r in rows:
            assert doc["text"][r["start"]:r["end"]] == r["text"]
            assert r["embed_text"].endswith(r["text"])
            assert isinstance(r["also_in"], list)


def test_chroma_metadata_matches_the_pipeline(built):
    _, index = built
    got = index.store.col.get(include=["metadatas", "documents"], limit=50)
    rows = {r["chunk_id"]: r for r in index.chunks(ids=got["ids"])}
    for cid, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
        r = rows[cid]
        assert text == r["text"]
        assert meta["doc_id"] == r["doc_id"] and meta["ordinal"] == r["ordinal"]
        assert (meta["start"], meta["end"]) == (r["start"], r["end"])
        assert isinstance(meta["title"], str) and isinstance(meta["source"], str)
        if "published" in meta:
            assert meta["published_ts"] == int(meta["published"].replace("-", ""))


def test_dense_and_lexical_search_return_manifest_chunks(built):
    settings, index = built
    known = {c["chunk_id"] for c in index.chunks()}
    query = index.chunks()[123]["text"]
    q = make_embedder(settings.embed).encode([query], query=True)[0]
    dense = index.dense_search(q, k=10)
    assert len(dense) == 10 and {c for c, _ in dense} <= known
    assert dense[0][1] > 0.5
    lexical = index.lexical_search(query, k=10)
    assert lexical and {c for c, _ in lexical} <= known
    assert lexical[0][0] == index.chunks()[123]["chunk_id"]


def test_publisher_and_date_filters(built):
    settings, index = built
    docs = [d for d in index.documents() if d["doc_id"].startswith("syn-") and d["publisher"] and d["published"]]
    assert len(docs) >= 3
    target = docs[0]
    q = make_embedder(settings.embed).encode(["anything at all"], query=True)[0]
    by_pub = index.dense_search(q, k=50, where=MetaFilter((Condition("publisher", "in", (target["publisher"],)),)))
    want = {c["chunk_id"] for d in index.documents() if d["publisher"] == target["publisher"]
            for c in index.chunks(doc_id=d["doc_id"])}
    assert by_pub and {c for c, _ in by_pub} == want
    ts = int(target["published"].replace("-", ""))
    window = MetaFilter((Condition("published_ts", ">=", ts), Condition("published_ts", "<=", ts)))
    on_day = index.dense_search(q, k=50, where=window)
    want_day = {c["chunk_id"] for d in index.documents() if d["published"] == target["published"]
                for c in index.chunks(doc_id=d["doc_id"])}
    assert on_day and {c for c, _ in on_day} == want_day


def test_synthetic_embedding_is_the_mean_of_its_sentences(built):
    settings, index = built
    row = next(c for c in index.chunks() if c["doc_id"].startswith("syn-"))
    title = index.document(row["doc_id"])["meta"]["title"]
    from kernel.sentences import sentences

    emb = make_embedder(settings.embed)
    parts = [row["text"][s:e] for s, e in sentences(row["text"])] + [title]
    mean = emb.encode(parts).mean(axis=0)
    mean /= np.linalg.norm(mean)
    stored = index.store.embeddings([row["chunk_id"]])[row["chunk_id"]]
    assert float(mean @ stored) > 0.999


def test_a_later_ingest_run_leaves_it_alone(built):
    settings, index = built
    before = index.corpus_version
    report = run([CORPUS], settings)
    assert report.exit_code == 0 and not report.added and not report.removed and not report.rebuilt
    man = Manifest(settings.index_dir / "manifest.sqlite")
    try:
        assert man.get("corpus_version") == before and len(man.chunk_ids()) == N
    finally:
        man.close()


def test_refuses_to_replace_a_real_index(tmp_path):
    settings = fast_settings(tmp_path)
    run([CORPUS], settings)
    with pytest.raises(ValueError, match="real index"):
        build_synthetic_index(tmp_path, N, settings=settings, verbose=False)
