"""What every `VectorStore` promises (ingest.vector_store), as a test class to subclass (haystack's document-store
tests are the model): a subclass provides the `store` fixture, a factory `store(settings) -> VectorStore` plus the
`settings` fixture, and inherits every test. tests/contracts/test_vector_store_contract.py runs it over every
registered store and configuration; a new store joins by registering (or by subclassing, as the memory store in
test_new_implementations.py does)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.shaping import shaping_hash
from ingest.vector_store import Condition, MetaFilter

DIM = 8
PUBLISHERS = ["Reuters", "FT", "Reuters", "AP", None, "FT"]
DATES = [20250101, 20250315, 20250601, 20241231, None, 20250601]


def vectors(n: int = 6, seed: int = 7) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def records(n: int = 6):
    """ids, unit vectors, texts, metadata (a publisher and a yyyymmdd date; one record has neither)."""
    ids = [f"c{i}" for i in range(n)]
    metas = [{k: v for k, v in (("publisher", PUBLISHERS[i]), ("published_ts", DATES[i]), ("doc_id", f"d{i}"))
              if v is not None} for i in range(n)]
    return ids, vectors(n), [f"chunk text {i}" for i in range(n)], metas


def exact(query: np.ndarray, ids, vecs, metas, k: int, where: MetaFilter | None = None) -> list[str]:
    """The reference answer: the `k` ids of highest cosine among the records `where` admits."""
    keep = [i for i in range(len(ids)) if where is None or where.matches(metas[i])]
    order = sorted(keep, key=lambda i: -float(vecs[i] @ query))
    return [ids[i] for i in order[:k]]


FILTERS = [
    MetaFilter((Condition("publisher", "in", ("Reuters",)),)),
    MetaFilter((Condition("publisher", "in", ("FT", "AP")),)),
    MetaFilter((Condition("published_ts", ">=", 20250315),)),
    MetaFilter((Condition("published_ts", "<=", 20250101),)),
    MetaFilter((Condition("publisher", "in", ("Reuters", "FT")), Condition("published_ts", ">=", 20250301),
                Condition("published_ts", "<=", 20250601))),
    MetaFilter((Condition("publisher", "in", ("nobody",)),)),
]


class VectorStoreContract:
    """Inherit and provide the `store` fixture (a factory taking settings) and the `settings` fixture."""

    @pytest.fixture
    def filled(self, store, settings):
        s = store(settings)
        ids, vecs, texts, metas = records()
        s.upsert(ids, vecs, texts, metas)
        return s, (ids, vecs, texts, metas)

    def test_a_new_store_is_empty(self, store, settings):
        s = store(settings)
        assert s.count() == 0 and s.ids() == set()
        assert s.query(vectors(2), 3) == [[], []], "one empty list per query row"
        assert s.embeddings(["absent"]) == {}

    def test_upsert_then_count_ids_and_embeddings(self, filled, settings):
        s, (ids, vecs, _, _) = filled
        assert s.count() == 6 and s.ids() == set(ids)
        got = s.embeddings(["c1", "c4", "absent"])
        assert set(got) == {"c1", "c4"}, "absent ids are left out"
        assert got["c1"].dtype == np.float32 and np.allclose(got["c1"], vecs[1], atol=1e-6)
        assert s.shaping() == shaping_hash(settings), "the store records the shaping of the settings it was built with"

    def test_query_is_cosine_best_first_and_k_bounded(self, filled):
        s, (ids, vecs, _, metas) = filled
        rows = s.query(vecs[[2, 5]], 3)
        assert len(rows) == 2
        for q, row in zip((2, 5), rows, strict=True):
            assert [cid for cid, _ in row] == exact(vecs[q], ids, vecs, metas, 3)
            assert row[0][0] == ids[q] and row[0][1] == pytest.approx(1.0, abs=1e-4)
            scores = [sc for _, sc in row]
            assert scores == sorted(scores, reverse=True)
            assert all(sc == pytest.approx(float(vecs[q] @ vecs[ids.index(c)]), abs=1e-4) for c, sc in row)
        assert len(s.query(vecs[:1], 50)[0]) == 6, "k above the count gives every record"

    @pytest.mark.parametrize("where", FILTERS, ids=range(len(FILTERS)))
    def test_filters_admit_exactly_what_the_reference_admits(self, filled, where):
        s, (ids, vecs, _, metas) = filled
        for q in range(6):
            got = [cid for cid, _ in s.query(vecs[q:q + 1], 6, where)[0]]
            assert got == exact(vecs[q], ids, vecs, metas, 6, where), where

    def test_upsert_replaces_and_update_metadata_changes_what_filters_see(self, filled):
        s, (ids, vecs, _, metas) = filled
        s.upsert(["c0"], vecs[3:4], ["new text"], [{"publisher": "AP", "published_ts": 20200101}])
        assert s.count() == 6 and np.allclose(s.embeddings(["c0"])["c0"], vecs[3], atol=1e-6)
        ap = MetaFilter((Condition("publisher", "in", ("AP",)),))
        assert {c for c, _ in s.query(vecs[:1], 6, ap)[0]} == {"c0", "c3"}
        s.update_metadata(["c3"], [{"publisher": "Reuters", "published_ts": 20241231}])
        assert {c for c, _ in s.query(vecs[:1], 6, ap)[0]} == {"c0"}

    def test_delete_and_drop(self, filled, store, settings):
        s, (ids, vecs, _, _) = filled
        s.delete(["c1", "c2", "never-there"])
        assert s.ids() == set(ids) - {"c1", "c2"} and s.count() == 4
        assert "c1" not in {c for c, _ in s.query(vecs[1:2], 6)[0]}
        s.drop()
        assert store(settings).count() == 0
        type(s).release(settings)  # forgetting the process's cache is always allowed
