"""assistant.queries: the class a model number belongs to, read from the passages that mention it, and the extra BM25
queries a question makes; with a search and a text store given as plain functions (no index, no model)."""

from __future__ import annotations

from assistant.queries import classes, sub_queries
from assistant.question import Question
from assistant.terms import stem

CHUNKS = {
    "c1": "Huawei’s Ascend 910D is covered.",
    "c2": "The Ascend 910D ships next year.",
    "c3": "Acme sells the X910D.",  # not the item itself ("X910D"): nothing counted
    "c4": "Kirin phones by Huawei and more, namely the 910B, 910C, 910E, and 910D.",  # six words back at most
    "c5": "Nothing about the chip here.",
}
KNOWN = {stem(w) for w in ("Huawei", "Ascend", "Acme", "Kirin", "namely")}  # index terms, as the index holds them


def _question(names=(), kind="yes_no", judgment=False, context_names=(), ask="", core="") -> Question:
    text = ask or core or "?"
    return Question(text=text, core=core or text, search=text, kind=kind, terms=(), names=tuple(names),
                    judgment=judgment, context_names=tuple(context_names), ask=ask)


def _search(calls):
    def search(query, k):
        calls.append((query, k))
        return [(cid, 1.0) for cid in CHUNKS][:k]
    return search


def _texts(ids):
    return {i: CHUNKS[i] for i in ids}


def _known(term):
    return term in KNOWN


def test_classes_are_the_known_capitalised_words_before_the_item_most_frequent_first():
    calls: list = []
    q = _question(names=["910D"])
    assert classes(q, _search(calls), _texts, _known) == ("Ascend", "Huawei")  # "Huawei’s" without its "’s"
    assert classes(q, _search([]), _texts, _known, most=5) == ("Ascend", "Huawei")  # not Acme, not Kirin
    assert calls == [("910D", 5)]  # the item alone, top five chunks


def test_classes_leave_out_what_the_question_names_and_respect_most():
    q = _question(names=["Ascend", "910D"])
    assert classes(q, _search([]), _texts, _known) == ("Huawei",)
    assert classes(_question(names=["910D"]), _search([]), _texts, _known, most=1) == ("Ascend",)


def test_classes_need_an_item_with_letters_and_digits_and_read_context_names_too():
    calls: list = []
    assert classes(_question(names=["Huawei", "2025"]), _search(calls), _texts, _known) == ()
    assert calls == []  # no search without an item
    assert classes(_question(context_names=["910D"]), _search([]), _texts, _known) == ("Ascend", "Huawei")


def test_classes_ignore_unknown_words():
    assert classes(_question(names=["910D"]), _search([]), _texts, lambda term: term == "ascend") == ("Ascend",)


def test_sub_queries_of_a_question_that_is_not_yes_no_are_its_identifiers_alone():
    q = _question(names=["EL-2025-0042", "Kestrel"], kind="fact")
    assert sub_queries(q, (), lambda s: 1) == ["EL-2025-0042"]
    assert sub_queries(_question(names=["Kestrel"], kind="fact"), (), lambda s: 1) == []


def test_sub_queries_of_a_yes_no_question_are_its_names_and_classes():
    q = _question(names=["910D"], ask="Is the 910D shipped?")
    assert sub_queries(q, ("Ascend", "Huawei"), lambda s: 1) == ["910D Ascend Huawei"]
    assert sub_queries(_question(names=[], ask="Is it shipped?"), (), lambda s: 1) == []


def test_a_rule_question_adds_its_known_general_names_classes_and_rule_words():
    q = _question(names=["Malaysia", "Atlantis", "910D"], judgment=True,
                  ask="Is testing a 910D in Malaysia or Atlantis a violation?")
    doc_freq = {"malaysia": 3}.get
    out = sub_queries(q, ("Ascend",), lambda s: doc_freq(s, 0))
    assert out == ["Malaysia Atlantis 910D Ascend", "Malaysia Ascend violation"]


def test_a_rule_question_without_a_rule_word_searches_violates():
    q = _question(names=["910D"], judgment=True, ask="Can we test a 910D?")
    assert sub_queries(q, ("Ascend",), lambda s: 0) == ["910D Ascend", "Ascend violates"]
