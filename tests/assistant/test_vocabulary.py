"""assistant.vocabulary: which words the index knows, acronyms the documents define, and the indexed word a
misspelled one stands for, over a real (tiny) BM25 index built in a temporary directory."""

from __future__ import annotations

import pytest

from assistant.vocabulary import Vocabulary, acronyms, country, edits_allowed
from ingest.lexical import Lexical, build

TEXTS = [
    "Huawei Ascend chips violate export controls, the Bureau of Industry and Security (BIS) said.",
    "Using the Ascend 910D in Malaysia drew congressional hearings.",
    "Kesler Devices rescinded the licence. Ascend Ascend shipments continued.",
    "The Office of Foreign Assets Control (OFAC) acted; the Entity List (EL) grew.",
    "The Acsent Group makes cables.",  # one mention: the rarer of two equally close corrections
]
DOCS = {"d1": {"title": "Washington Exporters Guide", "publisher": "Reuters", "author": None}}


@pytest.fixture(scope="module")
def vocab(tmp_path_factory) -> Vocabulary:
    d = tmp_path_factory.mktemp("bm25")
    lex = Lexical(d / build(d, "v", [f"c{i}" for i in range(len(TEXTS))], TEXTS))
    return Vocabulary(lex, DOCS, TEXTS)


def test_edits_allowed_by_word_length():
    assert [edits_allowed(n) for n in range(0, 11)] == [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_acronyms_are_the_capitalised_words_whose_initials_spell_them():
    assert acronyms(TEXTS) == {"bis": "Bureau of Industry and Security", "ofac": "Office of Foreign Assets Control",
                               "el": "Entity List"}
    assert acronyms(["under (XYZ) nothing", "the Export Administration Regulations (EAR) apply"]) == \
        {"ear": "Export Administration Regulations"}


def test_vocabulary_exposes_the_documents_acronyms(vocab):
    assert vocab.acronyms["bis"] == "Bureau of Industry and Security"


def test_known_terms_come_from_the_index_the_metadata_or_a_longer_indexed_word(vocab):
    assert vocab.known("ascend") and vocab.known("kesler")
    assert vocab.known("washington") and vocab.known("reuter")  # title and publisher words count
    assert vocab.known("congr")  # the stem prefix of "congression…" (five letters or more)
    assert not vocab.known("cong")  # too short to be a prefix
    assert not vocab.known("zzzzz")


@pytest.mark.parametrize("typed, meant", [
    ("Acsend", "Ascend"), ("acsend", "ascend"),  # the case follows the typed first letter
    ("Keslr", "Kesler"), ("rescnded", "rescinded"), ("Huwaei", "Huawei"),
    ("Washingtn", "Washington"),  # a title word
    ("usng", "using"),  # four letters in lower case, no English word: one edit
    ("Malaysa", "Malaysia"),  # indexed here, so the index's word
    ("violaton", "violation"),  # "violate" is two edits away; the English word one edit away has an indexed stem
    ("coverd", "covered"),  # no indexed word is close: the common English word one edit away, though no document
    # uses it (stop 26's review: "Is the Acsend 910B coverd by the guidance?" got no verdict)
])
def test_correct_finds_the_closest_indexed_word(vocab, typed, meant):
    assert vocab.correct(typed) == meant


@pytest.mark.parametrize("typed", [
    "Ascend",  # known
    "responded",  # a common English word in lower case, not a misspelling of "rescinded"
    "Print",  # a very common word capitalised
    "910E",  # an identifier
    "Chip",  # too short for an edit
    "xyzzyq",  # nothing close
])
def test_correct_leaves_known_common_short_and_unmatched_words(vocab, typed):
    assert vocab.correct(typed) is None


def test_a_correction_is_remembered_per_word(vocab, monkeypatch):
    assert vocab.correct("Huwaei") == "Huawei"
    import rapidfuzz.process

    monkeypatch.setattr(rapidfuzz.process, "extract", lambda *a, **k: pytest.fail("searched again"))
    assert vocab.correct("Huwaei") == "Huawei" and vocab.correct("Ascend") is None


def test_among_equally_close_words_the_most_frequent_wins(vocab):
    # "Ascent" is one edit from "Ascend" (3 chunks) and from "Acsent" (1 chunk)
    assert vocab.correct("Ascent") == "Ascend"


def test_a_misspelled_country_the_documents_never_name_is_still_read_by_its_name(vocab):
    assert vocab.correct("Frnace") == "France"
    assert country("Malaysa", 1) == "Malaysia"
    assert country("Malaysia", 1) is None  # not misspelled: nothing to correct
    assert country("Qqqqqq", 2) is None
