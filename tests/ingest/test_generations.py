"""Corpus generations (issue 13): a reader pinned to a corpus version reads that version's documents, keeps its chunks
through several switches inside the grace period, and gets its k nearest chunks however many chunks of other
versions the store holds."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3

import pytest

from ingest import generations
from ingest.index import open_index
from ingest.pipeline import run
from kernel.errors import NotFoundError
from tests.helpers import CORPUS, fast_settings, snapshot

EDITED = "us-warns-against-huawei-ai-chips"
REMOVED = "cgtn-us-chip-guidance-deeper-fears"


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    return d


def _edit(corpus, sentence: str) -> None:
    f = corpus / f"{EDITED}.txt"
    f.write_text(f.read_text() + f"\n{sentence}\n")


def _texts(index) -> dict[str, str]:
    return {d["doc_id"]: index.document(d["doc_id"])["text"] for d in index.documents()}


def test_a_pinned_reader_reads_the_documents_of_its_own_version(corpus, tmp_path, monkeypatch):
    """Documents edited, added and removed by a re-ingest: a reader opened before it still reads the old text, the
    old list and the removed document; a new reader reads the new ones; after the grace period nothing old is left."""
    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    old = open_index(s)
    before = _texts(old)
    _edit(corpus, "A closing sentence added by the second version.")
    (corpus / "new-memo.txt").write_text("A new memo\n\nThe new memo names the Penang register and its reviewers.\n")
    (corpus / f"{REMOVED}.txt").unlink()
    r = run([corpus], s)
    assert r.updated == [EDITED] and r.removed == [REMOVED] and r.added == ["new-memo"]
    assert _texts(old) == before  # the old text of the edited one, the removed one, not the new one
    new = open_index(s)
    after = _texts(new)
    assert set(after) == set(before) - {REMOVED} | {"new-memo"}
    assert "second version" in after[EDITED] and "second version" not in before[EDITED]
    with pytest.raises(NotFoundError):
        new.document(REMOVED)
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    run([corpus], s)  # nothing to ingest: only the purge
    assert _texts(open_index(s)) == after
    with sqlite3.connect(s.index_dir / "manifest.sqlite") as db:
        assert db.execute("SELECT count(*) FROM retired_docs").fetchone()[0] == 0


class _Killed(BaseException):
    """Stands for kill -9 between the last document write and the switch."""


def test_documents_written_by_an_unpublished_run_are_invisible(corpus, tmp_path, monkeypatch):
    import ingest.pipeline as pipeline

    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    before = _texts(open_index(s))
    _edit(corpus, "A closing sentence the killed run wrote.")
    (corpus / "new-memo.txt").write_text("A new memo\n\nThe new memo names the Penang register and its reviewers.\n")

    def killed(*args, **kwargs):
        raise _Killed

    with monkeypatch.context() as m, pytest.raises(_Killed):
        m.setattr(pipeline, "_finish", killed)
        run([corpus], s)
    assert _texts(open_index(s)) == before
    run([corpus], s)
    assert "killed run wrote" in open_index(s).document(EDITED)["text"]


def test_two_switches_inside_the_grace_period_keep_what_a_reader_two_versions_back_reads(corpus, tmp_path,
                                                                                          monkeypatch):
    """Two re-ingests a moment apart (grace period one hour): a reader pinned before both still reads its chunks,
    their vectors and its documents; once the grace period is over, the next run leaves only the newest version."""
    from ingest.embed import make_embedder
    from ingest.vector_store import Condition, MetaFilter

    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    old = open_index(s)
    rows = {r["chunk_id"]: r["text"] for r in old.chunks()}
    docs = _texts(old)
    f = corpus / f"{EDITED}.txt"
    original = f.read_text()
    for n, words in enumerate(("first", "second")):
        f.write_text(original.replace("Huawei", f"Huawei ({words} edit)", 1))
        assert run([corpus], s).updated == [EDITED], n
    assert {r["chunk_id"]: r["text"] for r in old.chunks()} == rows
    assert _texts(old) == docs
    assert set(old.embeddings(list(rows))) == set(rows)  # every vector still in the store
    vec = make_embedder(s.embed).encode([docs[EDITED][:400]], query=True)[0]
    everything = MetaFilter((Condition("ordinal", ">=", 0),))
    for where in (None, everything):
        got = old.dense_search(vec, k=len(rows), where=where)
        assert {c for c, _ in got} == set(rows), where
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    run([corpus], s)
    snap = snapshot(s)
    assert set(snap["chroma"]) == set(snap["chunks"]) == set(snap["bm25_ids"])
    assert len(list(s.index_dir.glob("bm25-*"))) == 1


def test_expired_counts_the_grace_period_from_each_switch(tmp_path, monkeypatch):
    """Generation 1 switched at t=100, generation 2 at t=101: at t=103 (grace 5 s) nothing retired by either is
    past its grace period; at t=105.5 what generation 1 retired is, what generation 2 retired is not."""
    from ingest.manifest import Manifest

    man = Manifest(tmp_path / "manifest.sqlite")
    for gen, cid in ((1, "a"), (2, "b")):
        man.db.execute("INSERT INTO retired (chunk_id, retired_gen, gen, doc_id) VALUES (?, ?, 0, 'd')", (cid, gen))
    for gen, at in ((1, 100.0), (2, 101.0)):
        with monkeypatch.context() as m, man.tx() as db:
            m.setattr(generations.time, "time", lambda at=at: at)
            generations.publish(db, gen, corpus_version=f"v{gen}", bm25=f"bm25-v{gen}")
    assert generations.expired(man.db, 5.0, now=103.0) == (0, [])
    assert generations.expired(man.db, 5.0, now=105.5) == (1, ["a"])
    upto, ids = generations.expired(man.db, 5.0, now=106.5)
    assert (upto, sorted(ids)) == (2, ["a", "b"])


def _crowd(corpus, n_docs: int, marker: str) -> None:
    """`n_docs` generated articles whose every paragraph carries `marker` (about 5 chunks each)."""
    sentences = [x.strip() for p in sorted(CORPUS.glob("*.txt")) for x in re.split(r"(?<=[.!?])\s+", p.read_text())
                 if len(x.split()) > 6]
    rng = random.Random(13)
    for i in range(n_docs):
        body = "\n\n".join(f"{marker} " + " ".join(rng.sample(sentences, 3)) for _ in range(8))
        (corpus / f"crowd-{i:03d}.txt").write_text(f"Crowd article {i}\n\nFile {i:03d}-{rng.randrange(10**6)}. {body}\n")


@pytest.fixture(params=["embedded", pytest.param("chroma server", marks=pytest.mark.slow)])
def chroma_url(request, tmp_path):
    """None (the embedded store), or the URL of a Chroma server started for the test."""
    if request.param == "embedded":
        yield None
        return
    from tests.chroma_server import chroma_server

    with chroma_server(tmp_path / "chroma-server") as server:
        yield server.url


def test_dense_search_gives_k_of_its_version_past_hundreds_of_other_versions_chunks(corpus, tmp_path, monkeypatch,
                                                                                    chroma_url):
    """A re-ingest adds over 500 chunks nearer to the query than any chunk of the old version: a reader of the old
    version still gets its k nearest, with and without a metadata filter, from the embedded store or a server
    (search breadth 100, under the store's chunk count: the store's own query, never an in-memory exact copy)."""
    from ingest.embed import make_embedder
    from ingest.vector_store import Condition, MetaFilter
    from kernel.settings import StoreSettings

    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state", store=StoreSettings(hnsw_ef_search=100, chroma_url=chroma_url))
    run([corpus], s)
    old = open_index(s)
    mine = {r["chunk_id"] for r in old.chunks()}
    marker = "Zorblax quindle fenwick parrimore trellisand vosk."
    _crowd(corpus, 150, marker)
    r = run([corpus], s)
    new = open_index(s)
    crowd = {r["chunk_id"] for r in new.chunks()} - mine
    assert len(crowd) > 600 and len(crowd) + len(mine) > s.store.hnsw_ef_search, len(crowd)
    vec = make_embedder(s.embed).encode([marker], query=True)[0]
    k = 10
    for where in (None, MetaFilter((Condition("ordinal", ">=", 0),))):
        got = old.dense_search(vec, k=k, where=where)
        assert len(got) == k and {c for c, _ in got} <= mine, (where, len(got))
        assert {c for c, _ in new.dense_search(vec, k=k, where=where)} <= crowd
    assert r.added


def test_an_index_written_before_versioned_documents_opens_and_reingests(corpus, tmp_path, monkeypatch):
    """A manifest of the schema before this one (documents without `gen`, no `retired_docs`, no `switches`): a
    reader opens it, a re-ingest migrates it in passing, the reader keeps its version, and the purge clears it."""
    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    with sqlite3.connect(s.index_dir / "manifest.sqlite") as db:
        db.executescript("DROP TABLE retired_docs; DROP TABLE switches; ALTER TABLE docs DROP COLUMN gen;")
    old = open_index(s)
    before = _texts(old)
    _edit(corpus, "A closing sentence added after the migration.")
    assert run([corpus], s).updated == [EDITED]
    assert _texts(old) == before
    assert "after the migration" in open_index(s).document(EDITED)["text"]
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    run([corpus], s)
    snap = snapshot(s)
    assert set(snap["chroma"]) == set(snap["chunks"]) == set(snap["bm25_ids"])
    assert len(list(s.index_dir.glob("bm25-*"))) == 1
