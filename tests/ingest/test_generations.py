"""Corpus generations (issue 13): a reader pinned to a corpus version reads that version's documents and gets its k
nearest chunks however many chunks of other versions the store holds."""

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
from tests.helpers import CORPUS, fast_settings

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


