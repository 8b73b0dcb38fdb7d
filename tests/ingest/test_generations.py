"""Corpus generations (issue 13): a reader pinned to a corpus version gets its k nearest chunks however many chunks
of other versions the store holds."""

from __future__ import annotations

import random
import re
import shutil

import pytest

from ingest import generations
from ingest.index import open_index
from ingest.pipeline import run
from tests.helpers import CORPUS, fast_settings


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    return d


def _crowd(corpus, n_docs: int, marker: str) -> None:
    """`n_docs` generated articles whose every paragraph carries `marker` (about 5 chunks each)."""
    sentences = [x.strip() for p in sorted(CORPUS.glob("*.txt")) for x in re.split(r"(?<=[.!?])\s+", p.read_text())
                 if len(x.split()) > 6]
    rng = random.Random(13)
    for i in range(n_docs):
        body = "\n\n".join(f"{marker} " + " ".join(rng.sample(sentences, 3)) for _ in range(8))
        (corpus / f"crowd-{i:03d}.txt").write_text(f"Crowd article {i}\n\nFile {i:03d}-{rng.randrange(10**6)}. {body}\n")


def test_dense_search_gives_k_of_its_version_past_hundreds_of_other_versions_chunks(corpus, tmp_path, monkeypatch):
    """A re-ingest adds over 500 chunks nearer to the query than any chunk of the old version: a reader of the old
    version still gets its k nearest, with and without a metadata filter."""
    from ingest.embed import make_embedder
    from ingest.vector_store import Condition, MetaFilter
    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    old = open_index(s)
    mine = {r["chunk_id"] for r in old.chunks()}
    marker = "Zorblax quindle fenwick parrimore trellisand vosk."
    _crowd(corpus, 150, marker)
    r = run([corpus], s)
    new = open_index(s)
    crowd = {r["chunk_id"] for r in new.chunks()} - mine
    assert len(crowd) > 600, len(crowd)
    vec = make_embedder(s.embed).encode([marker], query=True)[0]
    k = 10
    for where in (None, MetaFilter((Condition("ordinal", ">=", 0),))):
        got = old.dense_search(vec, k=k, where=where)
        assert len(got) == k and {c for c, _ in got} <= mine, (where, len(got))
        assert {c for c, _ in new.dense_search(vec, k=k, where=where)} <= crowd
    assert r.added
