"""A document in German asked about in English ("Munich" for its "München") and in German (newcomer trial, stop 22:
the English question was answered from an article's "anywhere in the world" instead of the Munich policy, and the
German question abstained at answerability 0.14 with the answer in the top three passages)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.places import other_names
from assistant.terms import stem
from tests.assistant.test_bottom_line import indexed

RICHTLINIE = ("Interne Richtlinie ER-2026-03\nVon: Katrin Böhm, Exportkontrollbeauftragte\nDatum: 10. Februar 2026\n"
              "Betreff: Umgang mit Huawei-Ascend-Chips am Standort München\n\n"
              "1. Der Einsatz von Huawei-Ascend-Chips am Standort München ist untersagt.\n"
              "2. Ausnahmen genehmigt ausschließlich die Geschäftsführung.\n")
MEMO = ("MEMO EC-2026-007\nFrom: Dana Whitfield, Head of Trade Compliance\nDate: 3 March 2026\n\n"
        "1. Any shipment exceeding 25 units of a 3A090 item must be reported to the Export Control Board within 5 "
        "business days.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("languages"), {"richtlinie.txt": RICHTLINIE, "memo.txt": MEMO})


def test_a_place_is_read_under_the_name_the_index_knows_and_only_then():
    known = {stem("München"), stem("Penang")}.__contains__  # the index's stems
    assert other_names("Is using Ascend chips at our Munich site allowed?", known) == (
        "Is using Ascend chips at our München site allowed?", (("Munich", "München"),))
    assert other_names("Is testing allowed in Penang?", known)[1] == ()  # no other name: unchanged
    assert other_names("Ship to Vienna?", known)[1] == ()  # neither Vienna nor Wien is known: unchanged


def test_an_english_question_about_munich_is_answered_from_the_munich_policy(settings):
    ans = answer("Is using Ascend chips at our Munich site allowed?", settings=settings)
    assert ans.answer.startswith("No.") and "Standort München ist untersagt" in ans.answer.split("\n")[0], ans.answer
    assert "read “Munich” as “München”" in ans.warnings


def test_a_german_question_is_answered_by_the_german_sentence_that_holds_its_words(settings):
    ans = answer("Wer genehmigt Ausnahmen von der Richtlinie ER-2026-03?", settings=settings)
    assert not ans.abstained and ans.answer.startswith("- “2. Ausnahmen genehmigt ausschließlich"), ans.answer
    assert "Katrin Böhm" not in ans.answer.split("\n")[0]  # "von" is no "Von:" (From) field
