"""assistant.terms: the regexes and word helpers the answering side reasons with (dates, numbers, hedges, negation,
rules and their status), offline and without a model."""

from __future__ import annotations

import pytest

from assistant import terms
from assistant.terms import (
    CALENDAR,
    DATED,
    NUMBER,
    PERMISSION,
    PROHIBITION,
    STATUS,
    UNTIL,
    content_stems,
    hedges,
    negated,
    new_match,
    numbers,
    stem_set,
    when,
)


@pytest.mark.parametrize("text", ["within 15 days", "30 business days after the shipment", "from 9 a.m. to 5 p.m.",
                                  "open weekdays", "on 14 May 2025", "2025-05-14", "2 juin 2025", "14 de mayo de 2025",
                                  "late last year", "in the 1990s"])
def test_when_finds_dates_deadlines_and_hours(text):
    assert when(text)


@pytest.mark.parametrize("text", ["the company said so", "May we test it?", "a 910D chip", "section 744.23"])
def test_when_is_false_without_a_date_duration_or_hour(text):
    assert not when(text)


def test_calendar_needs_a_day_and_dated_takes_the_year_after_it():
    assert CALENDAR.search("in 2025") is None and CALENDAR.search("on Tuesday") is None
    assert DATED.search("signed on 15 June 2025 in Paris").group(0, "year") == ("15 June 2025", "2025")
    assert DATED.search("from July 1, 2025 on").group(0, "year") == ("July 1, 2025", "2025")
    assert DATED.search("on May 13 they met").group(0, "year") == ("May 13", None)


def test_hedges_are_the_hedging_words_and_a_month_is_none():
    assert hedges("The use may violate the controls, reportedly.") == {"may", "reportedly"}
    assert hedges("On May 15 the rule took effect; it was issued 13 May.") == frozenset()
    assert hedges("The use violates the controls.") == frozenset()


@pytest.mark.parametrize("text, expected", [("It does not apply", True), ("It doesn't apply", True),
                                            ("It doesn’t apply", True), ("It never applied", True),
                                            ("It applies", False), ("Notably, it applies", False)])
def test_negated(text, expected):
    assert negated(text) is expected


def test_numbers_are_digit_strings_without_thousands_separators():
    assert numbers("70,000 chips, 3.5 per cent, in 2025 and § 744.23") == {"70000", "3.5", "2025", "744.23"}
    assert numbers("no figures here") == set()


def test_new_match_ignores_what_the_question_already_says():
    assert not new_match(NUMBER, "a fine of 300,000.", "Is the fine 300,000?")
    assert new_match(NUMBER, "a fine of 300,000 and 5 years in prison.", "Is the fine 300,000?")
    assert not new_match(NUMBER, "no figure at all", "How many?")


def test_new_match_ignores_the_questions_own_number_before_a_word():
    assert not new_match(NUMBER, "a fine of 300,000 dollars", "Is the fine 300,000?")
    assert new_match(NUMBER, "a fine of 300,000 dollars", "Is the fine 30,000?")
    assert [m.group(0) for m in NUMBER.finditer("70,000 units. 3.5 per cent, 12% and the 910D")] == \
        ["70,000", "3.5 per cent", "12%"]


def test_content_stems_drop_stopwords_and_one_letter_words_and_keep_order_without_repeats():
    assert content_stems("What did the Huawei Ascend chips say about the chips? 910D, plan B, 5") == \
        ["huawei", "ascend", "chip", "910d", "plan", "5"]
    assert content_stems("What is it?") == []


def test_stem_set_holds_a_compound_identifier_whole_and_in_parts():
    assert stem_set("ECCN 3A090.a covers exports") >= {"3a090.a", "3a090", "eccn", "export"}
    assert "a" not in stem_set("3A090.a")


def test_words_and_norm_keep_identifiers_whole_and_fold_accents_and_possessives():
    assert terms.words("§ 744.23 and D:5 EL-2025-0001") == ["744.23", "and", "D:5", "EL-2025-0001"]
    assert terms.norm("Huawei’s") == "huawei" and terms.norm("Böhm") == "bohm"
    assert terms.stem("violations") == terms.stem("violates") == "violat"


@pytest.mark.parametrize("text, rule", [
    ("You may not export it", True),
    ("Staff shall not carry it", True),
    ("Export is not permitted", True),
    ("no Huawei Ascend device (including the 910B) may be powered on", True),
    ("Exports are allowed only under licence", True),
    ("There is no doubt they may come", False),  # "no doubt … may" is no rule
    ("it may violate the rules", False),  # a hedge, not a prohibition
])
def test_prohibition(text, rule):
    assert bool(PROHIBITION.search(text)) is rule


@pytest.mark.parametrize("text, rule", [("Laptops may be carried as usual", True),
                                        ("Samples may be shipped", True),
                                        ("it may be deemed to violate", False),
                                        ("It may be treated as a violation", False),
                                        ("they may test", False)])
def test_permission(text, rule):
    assert bool(PERMISSION.search(text)) is rule


@pytest.mark.parametrize("text, ended, until", [
    ("The Department rescinded the rule", True, False),
    ("Status: Revoked", True, False),
    ("The rule is no longer in effect", True, False),
    ("Valid until: 16 April 2026", False, True),
    ("in force until 1 July 2026", False, True),
    ("effective on 2025-05-14", False, True),
    ("The rule is in force", False, False),
    ("valid for a year", False, False),
])
def test_status_is_ended_or_valid_until_a_date(text, ended, until):
    assert bool(terms.ENDED.search(text)) is ended and bool(UNTIL.search(text)) is until
    assert bool(STATUS.search(text)) is (ended or until)
