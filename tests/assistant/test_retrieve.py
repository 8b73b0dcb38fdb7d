"""assistant.retrieve on a tiny fake index: the Chroma where clause and the post-filter, reciprocal rank fusion,
lexical-only hits' cosines, publisher resolution, exact filtered search, spreading over documents, and folding
syndicated copies unless they word the claim differently."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from assistant.models import Filters, Hit
from assistant.retrieve import Retriever, _passes, _where, fold_syndicated, jaccard, same_claim, spread
from assistant.settings import AssistantSettings
from ingest.chroma_store import chroma_where
from ingest.vector_store import Condition, MetaFilter
from kernel.errors import InputError

DOCS = [
    {"doc_id": "reuters", "title": "Huawei chips", "publisher": "Reuters", "published": "2025-05-13", "url": None},
    {"doc_id": "ft", "title": "Ascend guidance", "publisher": "Financial Times", "published": "2025-05-20", "url": None},
    {"doc_id": "memo", "title": "Memo EL-2025-0001", "publisher": "Compliance", "published": None, "url": None},
]


def _vec(*xs):
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


class FakeStore:
    def __init__(self, vectors):
        self.vectors, self.asked = vectors, []

    def embeddings(self, ids):
        self.asked.append(list(ids))
        return {i: self.vectors[i] for i in ids if i in self.vectors}


class FakeIndex:
    """The parts of ingest.index.Index the retriever reads."""

    def __init__(self, chunks, dense=(), lexical=None, vectors=None, docs=DOCS):
        self._docs, self._chunks = docs, {c["chunk_id"]: c for c in chunks}
        self.dense, self.lexical = list(dense), lexical or {}
        self.store = FakeStore(vectors or {})
        self.where = []

    def documents(self):
        return self._docs

    def chunks(self, doc_id=None, ids=None):
        return [dict(self._chunks[i]) for i in ids if i in self._chunks]

    def chunk_ids_of(self, doc_ids):
        return [c for c, row in self._chunks.items() if row["doc_id"] in doc_ids]

    def embeddings(self, ids):
        return self.store.embeddings(ids)

    def dense_search(self, qvec, k, where=None):
        self.where.append(where)
        return self.dense[:k]

    def lexical_search(self, q, k):
        return self.lexical.get(q, [])[:k]


def _chunk(cid, doc, text, also_in=()):
    return {"chunk_id": cid, "doc_id": doc, "text": text, "start": 0, "end": len(text), "also_in": list(also_in),
            "page": None, "pages": []}


def _settings(tmp_path, **retrieve):
    return AssistantSettings(home=tmp_path, retrieve={"passages": 8, "per_document": 2, "rrf_k": 60, **retrieve})


def _hit(cid, doc, text="", also_in=(), score=1.0):
    return Hit(chunk_id=cid, doc_id=doc, text=text, start=0, end=len(text), score=score, also_in=tuple(also_in))


# --- filters ------------------------------------------------------------------------------------------------------

def test_where_of_no_filter_is_none():
    assert _where(None) is None
    assert _where(Filters()) is None


def test_where_is_store_neutral_and_chroma_translates_it():
    """The retriever builds a MetaFilter; only the Chroma store writes `$in`/`$gte`: one clause alone, several
    under `$and`."""
    assert _where(Filters(("Reuters",))) == MetaFilter((Condition("publisher", "in", ("Reuters",)),))
    assert chroma_where(_where(Filters(("Reuters",)))) == {"publisher": {"$in": ["Reuters"]}}
    w = chroma_where(_where(Filters(("Reuters", "FT"), date(2025, 5, 1), date(2025, 5, 31))))
    assert w == {"$and": [{"publisher": {"$in": ["Reuters", "FT"]}}, {"published_ts": {"$gte": 20250501}},
                          {"published_ts": {"$lte": 20250531}}]}


def test_passes_date_range_is_inclusive_and_excludes_undated():
    meta = {"publisher": "Reuters", "published": "2025-05-13"}
    assert _passes(meta, None) and _passes({}, None)
    assert _passes(meta, Filters((), date(2025, 5, 13), date(2025, 5, 13)))
    assert not _passes(meta, Filters((), date(2025, 5, 14)))
    assert not _passes(meta, Filters((), None, date(2025, 5, 12)))
    assert not _passes({"publisher": "Reuters"}, Filters((), date(2000, 1, 1)))
    assert _passes({"publisher": "Reuters"}, Filters(("Reuters",)))
    assert not _passes(meta, Filters(("FT",)))


# --- same claim, jaccard -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, same", [
    ("Using Ascend chips violates export controls.", "Using Ascend chips violates export controls.", True),
    ("Using Ascend chips violates export controls.", "Using Ascend chips may violate export controls.", False),
    ("The licence was approved.", "The licence was not approved.", False),
    ("The fine was $50,000.", "The fine was $50,000 (May 13).", True),       # a copy may add a figure
    ("The fine was $50,000.", "The fine was $10,000.", False),               # not change one
    ("The rule applies, Kessler said.", "The rule applies, Bureau officials said.", False),
])
def test_same_claim(a, b, same):
    assert same_claim(a, b) is same
    assert same_claim(b, a) is same


def test_same_claim_without_attribution_ignores_who_said_it():
    assert same_claim("The rule applies, Kessler said.", "The rule applies, Bureau officials said.", attribution=False)


def test_jaccard():
    assert jaccard("Export controls apply", "export control applies") == 1.0   # stems
    assert jaccard("Huawei ships chips", "licence revoked") == 0.0
    assert jaccard("", "") == 0.0
    assert jaccard("EL-2025-0001 issued", "EL-2025-0002 issued") == pytest.approx(3 / 7)  # issu, el, 2025 of 7


# --- spread, fold ---------------------------------------------------------------------------------------------------

def test_spread_caps_a_document_while_others_have_candidates():
    hits = [_hit("a1", "A"), _hit("a2", "A"), _hit("a3", "A"), _hit("b1", "B"), _hit("c1", "C")]
    assert [h.chunk_id for h in spread(hits, 4, 2)] == ["a1", "a2", "b1", "c1"]
    assert [h.chunk_id for h in spread(hits, 2, 1)] == ["a1", "b1"]


def test_spread_fills_from_the_rest_by_rank_when_short():
    hits = [_hit("a1", "A"), _hit("a2", "A"), _hit("a3", "A"), _hit("b1", "B")]
    assert [h.chunk_id for h in spread(hits, 4, 1)] == ["a1", "a2", "a3", "b1"]
    assert [h.chunk_id for h in spread(hits, 3, 1)] == ["a1", "a2", "b1"]
    assert spread([], 5, 2) == []


STORY = "Using Huawei Ascend chips anywhere violates US export controls, the Commerce Department said."


def test_a_mutually_linked_copy_is_folded():
    hits = [_hit("r1", "reuters", STORY, ["ft"]), _hit("f1", "ft", STORY, ["reuters"])]
    assert [h.chunk_id for h in fold_syndicated(hits)] == ["r1"]


@pytest.mark.parametrize("other, also_in_r", [
    (STORY.replace("violates", "may violate"), ["ft"]),     # hedged: a different claim
    (STORY.replace("violates", "does not violate"), ["ft"]),
    (STORY, []),                                           # linked one way only
    ("Analysts expect strong demand for Ascend chips in China next quarter.", ["ft"]),  # other words
])
def test_a_copy_that_words_the_claim_differently_stays(other, also_in_r):
    hits = [_hit("r1", "reuters", STORY, also_in_r), _hit("f1", "ft", other, ["reuters"])]
    assert [h.chunk_id for h in fold_syndicated(hits)] == ["r1", "f1"]


def test_two_chunks_of_one_document_are_never_folded():
    hits = [_hit("r1", "reuters", STORY, ["reuters"]), _hit("r2", "reuters", STORY, ["reuters"])]
    assert len(fold_syndicated(hits)) == 2


# --- the retriever ---------------------------------------------------------------------------------------------------

CHUNKS = [
    _chunk("r1", "reuters", "Huawei will ship Ascend 910C chips."),
    _chunk("r2", "reuters", "Reuters reported the shipments first."),
    _chunk("f1", "ft", "§ 744.23 restricts supercomputer end uses."),
    _chunk("m1", "memo", "Licence EL-2025-0001 is active."),
]
Q = _vec(1, 0, 0)
VECTORS = {"r1": _vec(1, 0, 0), "r2": _vec(1, 1, 0), "f1": _vec(0, 1, 0), "m1": _vec(1, 0, 0.5)}


def test_search_fuses_dense_and_lexical_ranks(tmp_path):
    index = FakeIndex(CHUNKS, dense=[("r1", 0.9), ("r2", 0.7), ("f1", 0.1)],
                      lexical={"q": [("f1", 5.0), ("r2", 3.0)]}, vectors=VECTORS)
    hits = Retriever(index, _settings(tmp_path)).search(Q, ["q"])
    # f1: 1/63 + 1/61 = 0.032266 > r2: 1/62 + 1/62 = 0.032258 > r1: 1/61
    assert [h.chunk_id for h in hits] == ["f1", "r2", "r1"]
    assert by_score(hits) == [h.chunk_id for h in hits]
    by = {h.chunk_id: h for h in hits}
    assert by["r2"].score == pytest.approx(2 / 62)
    assert by["r1"].dense == pytest.approx(0.9) and by["r1"].lexical is None
    assert by["f1"].lexical == 1.0 and by["r2"].lexical == 0.5
    assert by["r1"].meta["publisher"] == "Reuters" and by["r1"].text == "Huawei will ship Ascend 910C chips."


def by_score(hits):
    return [h.chunk_id for h in sorted(hits, key=lambda h: -h.score)]


def test_a_lexical_only_hit_gets_its_cosine_from_the_stored_vector(tmp_path):
    index = FakeIndex(CHUNKS, dense=[("r1", 0.9)], lexical={"EL-2025-0001": [("m1", 7.0)]}, vectors=VECTORS)
    hits = Retriever(index, _settings(tmp_path)).search(Q, ["EL-2025-0001"])
    m1 = next(h for h in hits if h.chunk_id == "m1")
    assert m1.dense == pytest.approx(float(VECTORS["m1"] @ Q))
    assert index.store.asked == [["m1"]]


def test_a_chunk_missing_from_the_manifest_is_never_returned(tmp_path):
    index = FakeIndex(CHUNKS, dense=[("ghost", 0.99), ("r1", 0.9)], lexical={}, vectors=VECTORS)
    hits = Retriever(index, _settings(tmp_path)).search(Q, ["q"])
    assert [h.chunk_id for h in hits] == ["r1"]


def test_search_returns_at_most_the_passages_asked_for(tmp_path):
    index = FakeIndex(CHUNKS, dense=[(c, 0.5) for c in VECTORS], vectors=VECTORS)
    r = Retriever(index, _settings(tmp_path, passages=3))
    assert len(r.search(Q, ["q"])) == 3
    assert len(r.search(Q, ["q"], passages=1)) == 1
    assert FakeIndex([], docs=[]).documents() == [] and Retriever(FakeIndex([], docs=[]), r.settings).search(Q, []) == []


def test_filtered_search_is_exact_over_the_admitted_documents(tmp_path):
    index = FakeIndex(CHUNKS, dense=[("m1", 0.99)], lexical={"q": [("m1", 9.0), ("r2", 4.0), ("f1", 1.0)]},
                      vectors=VECTORS)
    hits = Retriever(index, _settings(tmp_path)).search(Q, ["q"], Filters(("Reuters",)))
    assert {h.doc_id for h in hits} == {"reuters"}
    assert index.where == [], "few admitted chunks: exact search, not HNSW"
    # r2 is 1st lexically (after m1 is filtered out) and 2nd by exact cosine; r1 1st by cosine only
    assert [h.chunk_id for h in hits] == ["r2", "r1"]
    assert hits[1].dense == pytest.approx(1.0) and hits[0].lexical == 1.0


def test_exact_filtered(tmp_path):
    r = Retriever(FakeIndex(CHUNKS, vectors=VECTORS), _settings(tmp_path, dense_k=2))
    got = r.exact_filtered(Q, Filters(("Reuters", "Compliance")))
    assert [c for c, _ in got] == ["r1", "m1"] and got[0][1] == pytest.approx(1.0)
    assert r.exact_filtered(Q, Filters(("Reuters",)), most=1) is None      # too many: HNSW
    assert Retriever(FakeIndex(CHUNKS), r.settings).exact_filtered(Q, Filters(("Reuters",))) == []


def test_resolve_matches_publishers_case_insensitively(tmp_path):
    r = Retriever(FakeIndex(CHUNKS), _settings(tmp_path))
    assert r.resolve(None) == (None, [])
    resolved, notes = r.resolve(Filters(("reuters", "FINANCIAL TIMES")))
    assert resolved.publisher == ("Reuters", "Financial Times") and notes == []


def test_resolve_names_an_unknown_publisher_and_the_known_ones(tmp_path):
    r = Retriever(FakeIndex(CHUNKS), _settings(tmp_path))
    with pytest.raises(InputError, match=r"unknown publisher 'Bloomberg'.*Compliance, Financial Times, Reuters"):
        r.resolve(Filters(("Bloomberg",)))


def test_resolve_notes_undated_documents_and_empty_results(tmp_path):
    r = Retriever(FakeIndex(CHUNKS), _settings(tmp_path))
    _, notes = r.resolve(Filters((), date(2025, 1, 1)))
    assert notes == ["1 document(s) without a publication date were left out by the date filter"]
    _, notes = r.resolve(Filters(("Reuters",), date(2026, 1, 1)))
    assert notes == ["no indexed document matches the filters"]


def test_mentions_needs_every_term_in_an_admitted_chunk(tmp_path):
    index = FakeIndex(CHUNKS, lexical={"Ascend 910C": [("r1", 3.0)], "Ascend Kestrel": [("r1", 1.0)]})
    r = Retriever(index, _settings(tmp_path))
    assert r.mentions("Ascend 910C", None)
    assert not r.mentions("Ascend 910C", Filters(("Financial Times",)))
    assert not r.mentions("Ascend Kestrel", None)


def test_newest_is_the_latest_publication_date_read_once_per_retriever():
    index = FakeIndex([])
    calls = []
    documents = index.documents
    index.documents = lambda: calls.append(1) or documents()
    r = Retriever(index, AssistantSettings())
    assert r.newest == "2025-05-20" and r.newest == "2025-05-20"  # the undated memo is left out
    assert calls == [1]
    assert Retriever(FakeIndex([], docs=[DOCS[2]]), AssistantSettings()).newest is None


def test_jaccard_is_cached_per_pair_of_texts(monkeypatch):
    import assistant.retrieve as retrieve

    a, b = "Huawei Ascend chips violate export controls", "Ascend chips may violate US export controls (cache test)"
    want = jaccard(a, b)
    monkeypatch.setattr(retrieve, "stem_set", lambda text: pytest.fail("recomputed"))
    assert jaccard(a, b) == want and 0 < want < 1


def test_mentions_are_remembered_per_name_filters_and_set_aside(tmp_path):
    """The absent-name check asks the same names question after question: the second ask searches nothing, and
    another filter or set-aside is a different question."""
    chunks = [_chunk("a", "reuters", "Huawei Ascend 910C chips."), _chunk("b", "ft", "Ascend guidance for 910C.")]
    index = FakeIndex(chunks, lexical={"Ascend 910C": [("a", 2.0), ("b", 1.0)]})
    searched = []
    real = index.lexical_search
    index.lexical_search = lambda q, k: searched.append(q) or real(q, k)
    r = Retriever(index, _settings(tmp_path))
    assert r.mentions("Ascend 910C", None) and r.mentions("Ascend 910C", None)
    assert searched == ["Ascend 910C"]
    assert r.mentions("Ascend 910C", Filters(("Financial Times",)))
    planted = lambda doc_id: [(0, 100, "instruction")]  # noqa: E731 - every span set aside
    assert not r.mentions("Ascend 910C", None, planted)
    assert len(searched) == 3


def test_rows_in_order_reads_growing_blocks_and_keeps_the_order():
    from assistant.retrieve import _rows_in_order

    asked = []

    def chunks(ids):
        asked.append(list(ids))
        return [{"chunk_id": i} for i in sorted(ids) if i != "c05"]  # the manifest's order, one id missing

    ids = [f"c{i:02d}" for i in range(50, 0, -1)]
    rows = _rows_in_order(ids, chunks, first=2)
    assert next(rows) == {"chunk_id": "c50"} and asked == [["c50", "c49"]], "nothing is read past the block in use"
    rest = list(rows)
    assert [r and r["chunk_id"] for r in rest] == [i if i != "c05" else None for i in ids[1:]]
    assert [len(a) for a in asked] == [2, 8, 32, 8]
