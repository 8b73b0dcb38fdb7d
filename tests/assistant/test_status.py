"""assistant.engines.status: the bottom line of "is X still in force / valid?" and "has X expired?", from evidence
units built here (no index, no model): a firm end, a validity date against today or the date asked, and what is no
end (a negation, an intention)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.engines.base import Context
from assistant.engines.status import asks_current, asks_ended, status
from assistant.models import Hit, Unit
from assistant.question import Question

TODAY = date(2026, 11, 30)
META = {"publisher": "Harbor Lane Semiconductors", "published": "2025-04-17", "title": "Licence Register"}


def _q(ask: str, names=(), kind="yes_no") -> Question:
    return Question(text=ask, core=ask, search=ask, kind=kind, terms=(), names=tuple(names), ask=ask)


def _unit(text: str, doc_id="d1", meta=None, heading=False) -> Unit:
    hit = Hit(chunk_id=f"{doc_id}:0", doc_id=doc_id, text=text, start=0, end=len(text), score=1.0,
              meta=dict(META if meta is None else meta))
    return Unit(hit=hit, start=0, end=len(text), text=text, heading=heading)


def _status(ask: str, texts, names=(), today=TODAY):
    return status(Context(question=_q(ask, names), units=[_unit(t, f"d{i}") for i, t in enumerate(texts)],
                          vectors={}), today=today)


@pytest.mark.parametrize("ask, current, ended", [
    ("Is the AI Diffusion Rule still in effect?", True, False),
    ("Is licence EL-2025-0002 still valid?", True, False),
    ("Is licence EL-2025-0002 valid on 1 May 2026?", True, False),
    ("Has licence EL-2025-0042 expired?", False, True),
    ("Did the rule take effect in May?", False, False),
])
def test_what_asks_whether_something_is_in_force(ask, current, ended):
    assert asks_current(_q(ask)) is current and asks_ended(_q(ask)) is ended
    assert not asks_current(_q(ask, kind="fact")) and not asks_ended(_q(ask, kind="fact"))


def test_a_firm_end_answers_no_with_the_sentence_quoted():
    line = _status("Is the AI Diffusion Rule still in effect?",
                   ["Chips sold well. On 13 May the Department of Commerce rescinded the AI Diffusion Rule. More news."])
    assert line.lines == ["No. Harbor Lane Semiconductors (2025-04-17) reports: “On 13 May the Department of Commerce "
                          "rescinded the AI Diffusion Rule” [1]."]
    assert line.composed == []  # a quote, not an inference


@pytest.mark.parametrize("text", ["The AI Diffusion Rule has not been rescinded.",
                                  "Commerce announced its intention to have the AI Diffusion Rule rescinded.",
                                  "The AI Diffusion Rule may be revoked next year."])
def test_a_negation_an_intention_or_a_hedge_is_no_end(text):
    assert _status("Is the AI Diffusion Rule still in effect?", [text]) is None


def test_a_passage_about_something_else_gives_no_bottom_line():
    assert _status("Is the AI Diffusion Rule still in effect?", ["The chip export licence was revoked."]) is None
    assert _status("Is licence EL-2025-0002 still valid?", ["Licence EL-2025-0001\nValid until: 16 April 2026"],
                   names=["EL-2025-0002"]) is None  # another record
    assert _status("Who rescinded the AI Diffusion Rule?", ["Commerce rescinded the AI Diffusion Rule."]) is None


RECORD = "Licence EL-2025-0002\nHolder: Orion Devices\nValid until: 16 April 2026\nStatus: Active"


def test_a_validity_date_that_has_passed_answers_no_as_a_labelled_inference():
    line = _status("Is licence EL-2025-0002 still valid?", [RECORD], names=["EL-2025-0002"])
    assert line.lines[0] == "No. Harbor Lane Semiconductors (2025-04-17) reports: “Valid until: 16 April 2026” [1]."
    assert line.lines[1] == line.composed[0] == ("This is an inference the documents support but do not state: "
                                            "16 April 2026 has passed (today is 2026-11-30).")


def test_a_validity_date_still_ahead_answers_yes_and_has_expired_turns_it_round():
    ahead = date(2026, 1, 1)
    assert _status("Is licence EL-2025-0002 still valid?", [RECORD], ["EL-2025-0002"], ahead).lines[0].startswith("Yes.")
    assert _status("Has licence EL-2025-0002 expired?", [RECORD], ["EL-2025-0002"], ahead).lines[0].startswith("No.")
    assert _status("Has licence EL-2025-0002 expired?", [RECORD], ["EL-2025-0002"]).lines[0].startswith("Yes.")


def test_a_date_in_the_question_is_compared_instead_of_today():
    line = _status("Is licence EL-2025-0002 valid on 1 May 2026?", [RECORD], names=["EL-2025-0002"],
                   today=date(2020, 1, 1))
    assert line.lines[0].startswith("No.")
    assert line.lines[1].endswith("16 April 2026 is before the date asked, 1 May 2026.")
