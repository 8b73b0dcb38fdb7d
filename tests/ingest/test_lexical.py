"""ingest.lexical: BM25 built to its own directory, loaded, searched with the pipeline's tokens (identifiers whole
and in parts, accents folded, stems), document frequencies, and pruning of old builds."""

from __future__ import annotations

import json

import pytest

from ingest.lexical import Lexical, build, prune

IDS = ["c-ascend", "c-744", "c-el1", "c-el2", "c-bohm", "c-eccn"]
TEXTS = [
    "Huawei plans to ship Ascend 910C chips; using them violates US export controls.",
    "§ 744.23 restricts exports for supercomputer end uses.",
    "Licence EL-2025-0001 was issued to Kestrel Microsystems.",
    "Licence EL-2025-0002 was issued to Orion Devices.",
    "Dr. Böhm met the delegation in Liège.",
    "ECCN 3A090.a covers advanced computing chips.",
]


@pytest.fixture(scope="module")
def lex(tmp_path_factory):
    d = tmp_path_factory.mktemp("bm25")
    name = build(d, "v1", IDS, TEXTS)
    return Lexical(d / name)


def test_build_writes_its_own_named_directory_and_no_temporary(tmp_path):
    name = build(tmp_path, "abc", ["a"], ["export controls"])
    assert name == "bm25-abc"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25-abc"]
    assert json.loads((tmp_path / name / "ids.json").read_text()) == ["a"]


def test_rebuilding_a_version_replaces_it(tmp_path):
    build(tmp_path, "v", ["a"], ["old text about apples"])
    build(tmp_path, "v", ["b"], ["new text about pears"])
    lex = Lexical(tmp_path / "bm25-v")
    assert lex.ids == ["b"] and lex.search("pears") and not lex.search("apples")


def test_search_finds_words_by_stem_best_first(lex):
    hits = lex.search("violating export control", 3)
    assert hits[0][0] == "c-ascend"
    assert all(s > 0 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


@pytest.mark.parametrize("query, expected", [
    ("§ 744.23", "c-744"),
    ("744.23", "c-744"),
    ("3A090.a", "c-eccn"),
    ("ECCN 3A090", "c-eccn"),      # the part of a compound identifier
    ("910C", "c-ascend"),
    ("Bohm", "c-bohm"),            # accents folded
    ("LIÈGE", "c-bohm"),
])
def test_identifiers_and_unicode_are_found(lex, query, expected):
    hits = lex.search(query, 3)
    assert hits and hits[0][0] == expected, hits


def test_an_exact_identifier_outranks_one_from_the_same_template(lex):
    hits = dict(lex.search("EL-2025-0002", 6))
    assert "c-el2" in hits and hits["c-el2"] > hits.get("c-el1", 0.0)


def test_queries_with_nothing_indexed_return_nothing(lex):
    assert lex.search("") == []
    assert lex.search("the of and") == []           # stop words only
    assert lex.search("zzyzx quuxification") == []  # unknown words: no token ids
    assert lex.search("Huawei", 0) == []


def test_k_is_capped_at_the_number_of_chunks(lex):
    assert len(lex.search("licence issued chips export", 100)) <= len(IDS)


def test_only_positive_scores_are_returned(lex):
    assert [cid for cid, _ in lex.search("Kestrel", 6)] == ["c-el1"]


def test_doc_freq_counts_chunks_per_index_term(lex):
    assert lex.doc_freq("licens") == 2     # "Licence" is American-spelled and stemmed
    assert lex.doc_freq("chip") == 2
    assert lex.doc_freq("744.23") == 1
    assert lex.doc_freq("3a090") == 1      # a part of "3A090.a"
    assert lex.doc_freq("nonexistent") == 0
    assert lex.n_docs == 6


def test_terms_and_words(lex):
    terms = lex.terms()
    assert {"el-2025-0001", "3a090.a", "3a090", "bohm", "violat"} <= terms
    assert "the" not in terms
    words = lex.words()
    assert words["violates"] == "violat" and words["bohm"] == "bohm" and words["liege"] == "lieg"
    assert "" not in words


def test_an_empty_corpus_builds_and_searches_as_empty(tmp_path):
    name = build(tmp_path, "empty", [], [])
    lex = Lexical(tmp_path / name)
    assert lex.n_docs == 0 and lex.retriever is None
    assert lex.search("anything") == [] and lex.doc_freq("anyth") == 0
    assert lex.terms() == set() and lex.words() == {}


def test_prune_keeps_only_the_named_build(tmp_path):
    for v in ("old", "new"):
        build(tmp_path, v, ["a"], ["text"])
    (tmp_path / "bm25-interrupted.tmp").mkdir()
    (tmp_path / "manifest.sqlite").write_text("")
    prune(tmp_path, "bm25-new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25-new", "manifest.sqlite"]


def test_a_repeated_search_is_remembered_and_each_caller_gets_its_own_list(tmp_path):
    d = tmp_path / "idx"
    lex = Lexical(d / build(d, "v1", IDS, TEXTS))
    first = lex.search("Kestrel licence", 3)
    expected = list(first)
    calls = []
    real = lex.retriever.retrieve
    lex.retriever.retrieve = lambda *a, **k: calls.append(a) or real(*a, **k)
    first.clear()  # a caller changing its list changes nothing for the next one
    again = lex.search("Kestrel licence", 3)
    assert calls == [] and again == expected and expected
    lex.search("Orion licence", 3)
    assert len(calls) == 1  # another query is searched
