"""The note on names no document mentions names them as the question writes them (newcomer trial, stop 22: "Is
Huawei on the Entity List?" gave "The documents do not mention Entity.")."""

from __future__ import annotations

from assistant.engines.base import _with_following


def test_a_name_is_named_with_the_names_written_after_it():
    assert _with_following("Entity", "Is Huawei on the Entity List?", {"Huawei", "Entity", "List"}) == "Entity List"
    assert _with_following("Malaysia", "Is testing a 910D in Malaysia a violation?", {"Malaysia", "910D"}) == \
        "Malaysia"  # "a" is no name
    assert _with_following("Penang", "Our Penang Lab Team asks", {"Penang", "Lab"}) == "Penang Lab"


def _context(question: str, texts: list[str]):
    from assistant.engines.base import Context
    from assistant.models import Hit, Unit
    from assistant.question import analyze

    units = [Unit(hit=Hit(chunk_id=f"c{i}", doc_id=f"d{i}", text=t, start=0, end=len(t), score=0.0), start=0,
                  end=len(t), text=t) for i, t in enumerate(texts)]
    return Context(analyze(question), units, {})


def test_names_no_passage_holds_together_are_said_to_leave_the_question_unsettled():
    """Stop 24's trial: "Is Huawei on the Entity List?" was answered with bullets about other parties screened
    against the Entity List and nothing said first; "Is Vietnam in Country Group D:5?" the same."""
    screened = "Saigon Compute Cloud JSC was screened against the Entity List on 5 May 2026 with no match."
    spying = "Many lawmakers are convinced Huawei's telecom equipment could be used for spying."
    assert _context("Is Huawei on the Entity List?", [screened, spying]).apart() == \
        "No passage found names Huawei together with the Entity List, so the documents do not settle this."
    rule = "A licence is required when the item is destined for a country listed in Country Group D:5."
    assert _context("Is Vietnam in Country Group D:5?", [rule]).apart().startswith(
        "No passage found names Vietnam together with Country Group D:5")
    listed = "Huawei has been on the Entity List since May 2019."
    assert _context("Is Huawei on the Entity List?", [screened, listed]).apart() == ""  # a passage names both
    assert _context("Is the Entity List public?", [screened]).apart() == ""  # no membership asked
    accented = "Böhm & Côté S.à r.l. of Liège is on the restricted entity list."
    assert _context("Is Bohm & Cote on the restricted entity list?", [accented]).apart() == ""  # accents aside
    assert _context("Does Meridian hold a licence to export MX-400 cards to China?", [screened]).apart() == ""
