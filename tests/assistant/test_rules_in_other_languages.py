"""A rule written in the documents' own language decides as an English one does (newcomer trial, stop 22: "Ist der
Einsatz von Huawei-Ascend-Chips in München erlaubt?" got "The documents do not settle this" above the German
policy's "… am Standort München ist untersagt")."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.terms import PROHIBITION
from tests.assistant.test_bottom_line import indexed

POLICY = ("Interne Richtlinie ER-2026-03\nVon: Katrin Böhm, Exportkontrollbeauftragte\nDatum: 10. Februar 2026\n"
          "Betreff: Umgang mit Huawei-Ascend-Chips am Standort München\n\n"
          "1. Der Einsatz von Huawei-Ascend-Chips am Standort München ist untersagt.\n"
          "2. Ausnahmen genehmigt ausschließlich die Geschäftsführung.\n")


@pytest.mark.parametrize("clause", ["Der Einsatz am Standort München ist untersagt.", "Die Ausfuhr ist verboten.",
                                    "L'utilisation est interdite.", "El uso está prohibido."])
def test_prohibitions_in_german_french_and_spanish_are_prohibitions(clause):
    assert PROHIBITION.search(clause)


def test_a_german_question_on_a_german_prohibition_gets_a_no_on_it(tmp_path):
    settings = indexed(tmp_path, {"richtlinie-er-2026-03.txt": POLICY})
    ans = answer("Ist der Einsatz von Huawei-Ascend-Chips in München erlaubt?", settings=settings)
    first = ans.answer.split("\n")[0]
    assert first.startswith("No.") and "am Standort München ist untersagt" in first, ans.answer
