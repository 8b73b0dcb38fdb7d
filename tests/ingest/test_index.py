"""ingest.index.Index, the read side: clear errors for a missing index, an unknown document and a missing BM25
directory; lexical search through the manifest's named build; dense search that reopens a store rewritten
underneath once, then gives up with IndexUnavailableError; a collection no larger than HNSW's search breadth is
searched exactly in memory. An empty manifest and fake stores (no model, no Chroma)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest import index as index_module
from ingest.index import Index, open_index
from ingest.lexical import build
from ingest.manifest import Manifest
from ingest.vector_store import Condition, MetaFilter
from kernel.errors import IndexUnavailableError, NotFoundError
from kernel.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings(home=tmp_path)
    s.index_dir.mkdir(parents=True)
    Manifest(s.index_dir / "manifest.sqlite").close()
    return s


class Store:
    """A vector store whose query answers `result` or raises `error`; counts its queries. It holds more chunks than
    HNSW's search breadth, so that the index asks it (no exact search in memory)."""

    def __init__(self, result=None, error: Exception | None = None):
        self.result, self.error, self.queries = result, error, 0

    def count(self):
        return 10**6

    def query(self, vec, k, where):
        self.queries += 1
        if self.error is not None:
            raise self.error
        return [self.result[:k]]


@pytest.fixture
def stores(monkeypatch):
    """The stores open_store hands out, in order, and the number of release_store calls."""
    made: list[Store] = []
    released: list[int] = []
    monkeypatch.setattr(index_module, "open_store", lambda s: made.pop(0))
    monkeypatch.setattr(index_module, "release_store", lambda s: released.append(1))
    return made, released


def test_no_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexUnavailableError, match=r"no index at .*: run `python -m ingest` \(or `make run`\) first"):
        open_index(Settings(home=tmp_path))


def test_an_empty_index_has_no_documents_and_names_an_unknown_one(settings):
    idx = Index(settings)
    assert idx.documents() == [] and idx.corpus_version == "" and idx.chunks() == [] and idx.chunk_ids_of(["x"]) == []
    with pytest.raises(NotFoundError, match=r"no document 'nope' in the index \(see `python -m ingest show`\)"):
        idx.document("nope")


def test_a_missing_bm25_directory_is_an_index_error_and_a_named_build_is_searched(settings):
    idx = Index(settings)
    with pytest.raises(IndexUnavailableError, match="the lexical index is missing: run `python -m ingest`"):
        idx.lexical_search("chips")
    idx.manifest.set(bm25="bm25-gone")  # named, but its directory was deleted
    with pytest.raises(IndexUnavailableError, match="the lexical index is missing"):
        Index(settings).lexical_search("chips")
    name = build(settings.index_dir, "v1", ["c1", "c2"], ["Ascend chips violate controls", "Licence EL-2025-0001"])
    idx.manifest.set(bm25=name)
    assert Index(settings).lexical_search("Ascend chips", 5)[0][0] == "c1"


def test_dense_search_reopens_a_failing_store_once(settings, stores):
    made, released = stores
    made += [Store(error=RuntimeError("Error finding id")), Store(result=[("c1", 0.9), ("c2", 0.5)])]
    idx = Index(settings)
    assert idx.dense_search(np.ones(4), k=1) == [("c1", 0.9)]
    assert released == [1] and made == []


def test_dense_search_gives_up_after_the_second_failure(settings, stores):
    made, _ = stores
    made += [Store(error=RuntimeError("boom")), Store(error=ValueError("still broken"))]
    with pytest.raises(IndexUnavailableError, match=r"the vector store failed \(ValueError: still broken\); run "):
        Index(settings).dense_search(np.ones(4))


def test_an_unavailable_store_is_not_retried(settings, stores):
    made, released = stores
    first = Store(error=IndexUnavailableError("the store server is down"))
    made += [first, Store(result=[("c1", 1.0)])]
    with pytest.raises(IndexUnavailableError, match="the store server is down"):
        Index(settings).dense_search(np.ones(4))
    assert first.queries == 1 and released == [] and len(made) == 1


class SmallStore(Store):
    """A store of a few unit vectors, by id; its own query is not to be used (it answers a wrong ranking)."""

    def __init__(self, vecs: dict[str, list[float]]):
        super().__init__(result=[("wrong", 0.0)])
        self.vecs = {k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in vecs.items()}

    def count(self):
        return len(self.vecs)

    def ids(self):
        return set(self.vecs)

    def embeddings(self, ids):
        return {i: self.vecs[i] for i in ids if i in self.vecs}


def test_a_small_collection_is_searched_exactly_in_memory(settings, stores):
    made, released = stores
    small = SmallStore({"c3": [1, 0, 0], "c1": [0.6, 0.8, 0], "c2": [0.6, 0.8, 0], "c4": [0, 0, 1]})
    made.append(small)
    idx = Index(settings)
    got = idx.dense_search(np.array([1.0, 0.0, 0.0]), k=3)
    assert [c for c, _ in got] == ["c3", "c1", "c2"]  # equal cosines: in id order
    assert got[0][1] == pytest.approx(1.0) and got[1][1] == pytest.approx(0.6) and small.queries == 0
    assert len(idx.dense_search(np.array([0.0, 0.0, 1.0]), k=10)) == 4  # k past the collection: all of it
    where = MetaFilter((Condition("publisher", "in", ("BIS",)),))
    assert idx.dense_search(np.array([1.0, 0.0, 0.0]), k=3, where=where) == [("wrong", 0.0)]  # a filter: the store
    made.append(SmallStore({"c9": [0, 1, 0]}))
    idx.reload()  # a re-ingest: the next search reads the new collection
    assert idx.dense_search(np.array([0.0, 1.0, 0.0]), k=3) == [("c9", pytest.approx(1.0))] and released == [1]


def test_a_collection_larger_than_the_search_breadth_is_left_to_the_store(settings, stores):
    made, _ = stores
    store = SmallStore({f"c{i}": [1, i, 0] for i in range(12)})
    made.append(store)
    idx = Index(settings.model_copy(update={"store": settings.store.model_copy(update={"hnsw_ef_search": 10})}))
    assert idx.dense_search(np.array([1.0, 0.0, 0.0]), k=3) == [("wrong", 0.0)] and store.queries == 1


def test_an_empty_collection_finds_nothing(settings, stores):
    stores[0].append(SmallStore({}))
    assert Index(settings).dense_search(np.array([1.0, 0.0, 0.0]), k=3) == []
