"""A decision's condition sets a deadline: minutes ECB-2026-10 approve "the remaining 30 cards" with "(a) dispatch no
later than 30 September 2026" in the next chunk (stop 25's second trial: "By when must the remaining 30 cards be
dispatched?" got "By 2026", the year of the order number PO-CPA-2026-031, and a dated case got no verdict)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import answer
from tests.assistant.test_bottom_line import indexed

MINUTES = (Path(__file__).resolve().parents[1] / "fixtures" / "records" / "minutes-ecb-2026-10.md").read_text()


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("deadlines"), {"minutes-ecb-2026-10.md": MINUTES})


def test_the_condition_answers_by_when(settings):
    ans = answer("By when must the remaining 30 Chao Phraya cards be dispatched?", settings=settings)
    assert ans.answer.startswith("By 30 September 2026, per Minutes"), ans.answer
    assert "(a) dispatch no later than 30 September 2026" in ans.answer and "By 2026" not in ans.answer


@pytest.mark.parametrize("day,verdict", [("15 October 2026", "No: "), ("20 September 2026", "Yes, within the deadline")])
def test_a_dated_case_is_held_against_the_deadline(settings, day, verdict):
    ans = answer(f"Can the remaining 30 Chao Phraya cards be dispatched on {day}?", settings=settings)
    assert ans.answer.startswith(verdict), ans.answer
    assert f"{day} is {'after' if verdict == 'No: ' else 'on or before'} 30 September 2026" in ans.answer
    assert "“Decision: APPROVED for the remaining 30 cards” [2]" in ans.answer


def test_the_decision_is_quoted_with_its_conditions_across_the_chunk_boundary(settings):
    ans = answer("What did the Board decide about the remaining 30 cards for Chao Phraya AI Labs?", settings=settings)
    first = ans.answer.split("\n")[0]
    assert "Decision: APPROVED for the remaining 30 cards. Conditions: (a) dispatch" in first, ans.answer
    assert "(c) a second site visit within 90 days of delivery" in first


def test_a_case_told_before_the_question_is_held_against_the_deadline(settings):
    ans = answer("Chao Phraya AI Labs wants the remaining 30 MX-400 cards dispatched on 15 October 2026. Is that "
                 "allowed?", settings=settings)
    assert ans.answer.startswith("No: the date asked is after the deadline"), ans.answer


@pytest.mark.parametrize("question", [
    "Quelle est la date limite pour expédier les 30 cartes restantes à Chao Phraya AI Labs ?",
    "Bis wann müssen die restlichen 30 Karten an Chao Phraya AI Labs versandt werden?"])
def test_a_french_or_german_deadline_question_gets_the_condition(settings, question):
    ans = answer(question, settings=settings)
    assert ans.answer.startswith("By 30 September 2026, per Minutes"), ans.answer
