"""Incremental, safe ingest: unchanged re-runs, updates, removals, rebuilds, the lock."""

from __future__ import annotations

import shutil

import pytest

from ingest.index import open_index
from ingest.lock import IndexLock
from ingest.pipeline import run
from ingest.shaping import shaping, shaping_hash
from kernel.errors import IndexLockedError
from kernel.settings import ChunkSettings
from tests.helpers import CORPUS, fast_settings, snapshot


@pytest.fixture(autouse=True)
def no_grace(monkeypatch):
    """Superseded chunks leave the store at the switch (no grace period for readers of the old version), so that
    each run's result can be compared with a clean build; `test_readers_keep_their_version_*` set a grace period."""
    from ingest import generations

    monkeypatch.setattr(generations, "GRACE_S", 0.0)


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    return d


def test_first_run_indexes_every_article(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    r = run([corpus], s)
    assert len(r.added) == 5 and not r.skipped and r.exit_code == 0
    snap = snapshot(s)
    assert r.chunks == len(snap["chunks"]) == len(snap["chroma"]) > 10
    assert snap["bm25_ids"] == sorted(snap["chunks"])
    index = open_index(s)
    for c in snap["chunks"].values():
        doc = index.document(c["doc_id"])
        assert doc["text"][c["start"]:c["end"]] == c["text"]


def test_unchanged_rerun_embeds_nothing(corpus, tmp_path, monkeypatch):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    before = snapshot(s)
    import ingest.pipeline as pipeline

    monkeypatch.setattr(pipeline, "make_embedder", lambda *_: pytest.fail("model loaded on an unchanged run"))
    monkeypatch.setattr(pipeline, "open_store", lambda *_: pytest.fail("store opened on an unchanged run"))
    first_links = snapshot(s)
    r = run([corpus], s)
    assert len(r.unchanged) == 5 and r.chunks_embedded == 0 and not (r.added or r.updated or r.removed)
    assert r.duplicate_chunks == sum(1 for c in first_links["chunks"].values() if c["also_in"])
    monkeypatch.undo()
    assert snapshot(s) == before


def test_changed_document_is_rechunked_and_stale_chunks_removed(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    f = corpus / "us-warns-against-huawei-ai-chips.txt"
    old = {c for c, r in snapshot(s)["chunks"].items() if r["doc_id"] == f.stem}
    f.write_text(f.read_text() + "\nThe department added a brand new closing sentence about Malaysian data centres.\n")
    r = run([corpus], s)
    assert r.updated == [f.stem] and len(r.unchanged) == 4 and 0 < r.chunks_embedded < r.chunks
    snap = snapshot(s)
    new = {c for c, row in snap["chunks"].items() if row["doc_id"] == f.stem}
    assert new != old and not ((old - new) & set(snap["chroma"]))
    assert set(snap["chroma"]) == set(snap["chunks"])
    assert any("Malaysian data centres" in row["text"] for row in snap["chunks"].values())


def test_removed_document_leaves_the_index(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    (corpus / "aim-huawei-ai-chips-criminal-charges.txt").unlink()
    r = run([corpus], s)
    assert r.removed == ["aim-huawei-ai-chips-criminal-charges"]
    snap = snapshot(s)
    assert "aim-huawei-ai-chips-criminal-charges" not in snap["docs"]
    assert all(row["doc_id"] != "aim-huawei-ai-chips-criminal-charges" for row in snap["chunks"].values())
    assert set(snap["chroma"]) == set(snap["chunks"])


def test_ingesting_one_file_does_not_remove_the_others(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    extra = tmp_path / "extra" / "note.md"
    extra.parent.mkdir()
    extra.write_text("# A note\n\nThe Bureau of Industry and Security published guidance in May 2025.\n")
    r = run([extra], s)
    assert r.added == ["note"] and not r.removed
    assert len(open_index(s).documents()) == 6


def test_settings_change_rebuilds(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    s2 = fast_settings(tmp_path / "state", chunk=ChunkSettings(max_tokens=80, target_tokens=40))
    r = run([corpus], s2)
    assert r.rebuilt and len(r.added) == 5
    snap = snapshot(s2)
    assert set(snap["chroma"]) == set(snap["chunks"]) and r.chunks > 0


def test_result_equals_a_clean_build_after_edits(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    (corpus / "cgtn-us-chip-guidance-deeper-fears.txt").unlink()
    f = corpus / "business-times-commerce-guidance-huawei-ascend.txt"
    f.write_text(f.read_text().replace("seven-nanometre", "7-nanometre"))
    run([corpus], s)
    clean = fast_settings(tmp_path / "clean")
    run([corpus], clean)
    a, b = snapshot(s), snapshot(clean)
    assert a["chunks"] == b["chunks"] and a["chroma"] == b["chroma"] and a["version"] == b["version"]


def test_second_ingest_is_refused_while_one_runs(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    with IndexLock(s.index_dir / "ingest.lock"), pytest.raises(IndexLockedError, match="another ingest is already running"):
        run([corpus], s)


def test_syndicated_copies_are_linked(corpus, tmp_path):
    s = fast_settings(tmp_path / "state")
    dup = corpus / "copy-of-aim.txt"
    dup.write_text((corpus / "aim-huawei-ai-chips-criminal-charges.txt").read_text())
    run([corpus], s)
    rows = snapshot(s)["chunks"].values()
    copies = [r for r in rows if r["doc_id"] == "copy-of-aim"]
    assert copies and all("aim-huawei-ai-chips-criminal-charges" in r["also_in"] for r in copies)
    dup.unlink()
    run([corpus], s)
    assert all("copy-of-aim" not in r["also_in"] for r in snapshot(s)["chunks"].values())


@pytest.mark.parametrize("module,name", [("ingest.formats", "READER_VERSION"), ("ingest.clean", "CLEANER_VERSION"),
                                         ("ingest.chunk", "CHUNKER_VERSION")])
def test_a_new_reader_cleaner_or_chunker_rebuilds(corpus, tmp_path, monkeypatch, module, name):
    import importlib

    run([corpus], fast_settings(tmp_path))
    monkeypatch.setattr(importlib.import_module(module), name, "changed-for-the-test")
    report = run([corpus], fast_settings(tmp_path))
    assert report.rebuilt and len(report.added) == 5


def test_the_pdf_extractor_is_part_of_what_shapes_the_index(tmp_path):
    from kernel.settings import IngestSettings

    a = fast_settings(tmp_path)
    b = fast_settings(tmp_path, ingest=IngestSettings(pdf_extractor="pypdf"))
    assert shaping(a)["pdf_extractor"] == "pdfminer" and shaping_hash(a) != shaping_hash(b)
    assert {"reader", "cleaner", "chunker", "embed_model"} <= set(shaping(a))


def test_remove_takes_documents_out_and_keeps_the_index_consistent(corpus, tmp_path):
    from ingest.pipeline import remove
    from kernel.errors import NotFoundError

    settings = fast_settings(tmp_path)
    run([corpus], settings)
    doc = "cgtn-us-chip-guidance-deeper-fears"
    with pytest.raises(NotFoundError):
        remove([doc, "no-such-doc"], settings)
    report = remove([doc], settings)
    assert report.removed == [doc] and report.documents == 4 and report.still_on_disk  # its file is still there
    after = snapshot(settings)
    assert doc not in after["docs"] and all(r["doc_id"] != doc for r in after["chunks"].values())
    assert set(after["chroma"]) == set(after["chunks"]) == set(after["bm25_ids"])
    assert all(doc not in r["also_in"] for r in after["chunks"].values())
    (corpus / f"{doc}.txt").unlink()
    clean_home = tmp_path / "clean"
    run([corpus], fast_settings(clean_home))
    assert snapshot(fast_settings(clean_home))["chunks"].keys() == after["chunks"].keys()


def test_readers_keep_their_version_while_a_reingest_changes_it_and_lose_nothing_after(corpus, tmp_path, monkeypatch):
    """An Index opened before a re-ingest reads its own version only (rows, dense search with and without a filter,
    BM25), while the store holds both; the next run after the grace period leaves only the new version."""
    from ingest import generations
    from ingest.embed import make_embedder
    from ingest.vector_store import Condition, MetaFilter

    monkeypatch.setattr(generations, "GRACE_S", 3600.0)
    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    old = open_index(s)
    before = {r["chunk_id"]: r["text"] for r in old.chunks()}
    of_doc = {r["chunk_id"] for r in old.chunks(doc_id="us-warns-against-huawei-ai-chips")}
    f = corpus / "us-warns-against-huawei-ai-chips.txt"
    sentence = "The department added a brand new closing sentence about Malaysian data centres."
    f.write_text(f.read_text() + f"\n{sentence}\n")
    r = run([corpus], s)
    assert r.updated == [f.stem]
    new = open_index(s)
    added = {r["chunk_id"] for r in new.chunks()} - set(before)
    assert added and new.version == r.corpus_version != old.version and old.corpus_version == r.corpus_version
    assert {r["chunk_id"]: r["text"] for r in old.chunks()} == before  # no new text, no lost chunk
    assert set(old.chunk_ids_of([f.stem])) == of_doc == {r["chunk_id"] for r in old.chunks(doc_id=f.stem)}
    assert added <= set(new.chunk_ids_of([f.stem]))
    vec = make_embedder(s.embed).encode([sentence], query=True)[0]
    everything = MetaFilter((Condition("ordinal", ">=", 0),))
    for where in (None, everything):  # the in-memory copy, then the store's own query
        assert not {c for c, _ in old.dense_search(vec, k=50, where=where)} & added
        assert {c for c, _ in new.dense_search(vec, k=50, where=where)} & added
    assert not {c for c, _ in old.lexical_search("Malaysian data centres", 50)} & added
    assert {c for c, _ in new.lexical_search("Malaysian data centres", 50)} & added
    snap = snapshot(s)
    assert set(before) - set(snap["chunks"]) <= set(snap["chroma"])  # the replaced chunks wait out the grace period
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    assert run([corpus], s).unchanged  # nothing to ingest: only the purge
    snap = snapshot(s)
    assert set(snap["chroma"]) == set(snap["chunks"]) == set(snap["bm25_ids"])  # no orphan, no duplicate
    assert len(list(s.index_dir.glob("bm25-*"))) == 1
    assert new.manifest.db.execute("SELECT count(*) FROM retired").fetchone()[0] == 0


class _Killed(BaseException):
    """Stands for kill -9 between the last document write and the switch (nothing after it runs)."""


@pytest.mark.parametrize("then", ["same files", "files changed back"])
def test_a_reingest_killed_before_its_switch_is_invisible_and_the_next_run_repairs_it(corpus, tmp_path, monkeypatch,
                                                                                       then):
    """Killed after writing every changed document of a re-ingest (a document edited, one removed), before the
    switch: a reader still reads exactly the old version; the next run (with the files as the killed run saw them,
    or changed back) publishes an index equal to a clean build of the files, with no orphan or missing chunk."""
    import ingest.pipeline as pipeline

    s = fast_settings(tmp_path / "state")
    run([corpus], s)
    before = {r["chunk_id"]: r["text"] for r in open_index(s).chunks()}
    edited = corpus / "business-times-commerce-guidance-huawei-ascend.txt"
    removed = corpus / "cgtn-us-chip-guidance-deeper-fears.txt"
    originals = {p: p.read_text() for p in (edited, removed)}
    edited.write_text(originals[edited].replace("seven-nanometre", "7-nanometre") + "\nA closing line.\n")
    removed.unlink()

    def killed(*args, **kwargs):
        raise _Killed

    with monkeypatch.context() as m, pytest.raises(_Killed):
        m.setattr(pipeline, "_finish", killed)
        run([corpus], s)
    reader = open_index(s)
    assert {r["chunk_id"]: r["text"] for r in reader.chunks()} == before  # the old version, whole and alone
    if then == "files changed back":
        for p, text in originals.items():
            p.write_text(text)
    run([corpus], s)
    clean = fast_settings(tmp_path / "clean")
    run([corpus], clean)
    a, b = snapshot(s), snapshot(clean)
    assert a["chunks"] == b["chunks"] and a["chroma"] == b["chroma"] and a["version"] == b["version"]
    assert a["bm25_ids"] == b["bm25_ids"] and set(a["chroma"]) == set(a["chunks"])
    if then == "files changed back":
        assert {r["chunk_id"]: r["text"] for r in open_index(s).chunks()} == before
