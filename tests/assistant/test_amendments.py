"""A later document that changes what an earlier one states leads the answer, and the earlier statement follows it
(newcomer trial, stop 23: "Who can grant exceptions to memo EC-2026-007?" was answered "The Chief Compliance Officer
… Marcus Lindqvist" from the memo, though an email of 7 May 2026 says that from 1 May 2026 exceptions are granted by
Sofia Marchetti and no longer by Marcus Lindqvist, who has left the company)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.engines.amendments import CHANGE, new_name
from assistant.models import Hit, Unit
from tests.assistant.test_bottom_line import indexed

MEMO = ("MEMO EC-2026-007\nFrom: Dana Whitfield, Head of Trade Compliance\nDate: 3 March 2026\n"
        "Subject: Handling of Huawei Ascend accelerators and 3A090 items\n\n"
        "1. Any shipment exceeding 25 units of a 3A090 item must be reported to the Export Control Board within 5 "
        "business days.\n\n"
        "Exceptions to these rules may be granted only by the Chief Compliance Officer, Marcus Lindqvist, in writing.\n"
        "This memo remains in force until 31 December 2026.\n")
EMAIL = ("RE: Shipment SH-2026-0231\n\nFrom: Dana Whitfield, Head of Trade Compliance\nTo: Ravi Menon\n"
         "Date: 7 May 2026\n\nRavi,\n\nThe 40 units ship as one consignment and will be reported to the Export "
         "Control Board.\n\nPlease also note that Marcus Lindqvist has left the company. From 1 May 2026, exceptions "
         "under memo EC-2026-007 are granted in writing by Sofia Marchetti, Interim Chief Compliance Officer, and no "
         "longer by Marcus Lindqvist.\n\nDana\n")
# a later document that names the same officer without changing anything
NEWSLETTER = ("Compliance newsletter\nDate: 20 May 2026\n\nMarcus Lindqvist spoke about exceptions at the April "
              "training; exceptions granted in writing were the main topic.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("amend"), {"memo-ec-2026-007.txt": MEMO, "email-sh-2026-0231.txt": EMAIL,
                                                       "newsletter.txt": NEWSLETTER})


def test_who_can_grant_exceptions_names_the_person_of_the_later_change_first(settings):
    ans = answer("Who can grant exceptions to memo EC-2026-007?", settings=settings)
    lines = ans.answer.split("\n")
    assert lines[0].startswith("Sofia Marchetti, "), ans.answer
    assert "no longer by Marcus Lindqvist" in lines[0] and "[1]" in lines[0]
    assert lines[1].startswith("Before that, ") and "Marcus Lindqvist, in writing" in lines[1] and "[2]" in lines[1]
    docs = [c.doc_id for c in ans.citations[:2]]
    assert docs == ["email-sh-2026-0231", "memo-ec-2026-007"], docs
    assert all(c.quote in (MEMO + EMAIL).replace("\n", " ") or c.quote in MEMO + EMAIL for c in ans.citations[:2])


def test_a_question_limited_to_documents_before_the_change_is_answered_from_the_memo(settings):
    ans = answer("Who can grant exceptions to memo EC-2026-007?", settings=settings,
                 filters={"published_before": "2026-04-30"})
    assert "Sofia Marchetti" not in ans.answer and "no longer" not in ans.answer, ans.answer  # the email is later


def _unit(doc: str, published: str, text: str) -> Unit:
    hit = Hit(chunk_id=doc + ":0", doc_id=doc, text=text, start=0, end=len(text), score=0.0,
              meta={"published": published})
    return Unit(hit=hit, start=0, end=len(text), text=text)


def test_the_change_cue_and_the_new_name_are_read_from_the_sentence():
    assert CHANGE.search("From 1 May 2026, exceptions are granted by Sofia Marchetti")
    assert CHANGE.search("The report is no longer due quarterly.")
    assert not CHANGE.search("Marcus Lindqvist spoke about exceptions at the April training.")
    old = _unit("memo", "2026-03-03", "Exceptions may be granted only by the Chief Compliance Officer, Marcus "
                                      "Lindqvist, in writing.")
    new = _unit("email", "2026-05-07", "From 1 May 2026, exceptions under memo EC-2026-007 are granted in writing "
                                       "by Sofia Marchetti, Interim Chief Compliance Officer, and no longer by Marcus "
                                       "Lindqvist.")
    assert new_name(old, new) == "Sofia Marchetti, Interim Chief Compliance Officer"   # not "May", not the memo id


@pytest.mark.parametrize("question", [
    "Can Marcus Lindqvist still grant exceptions under memo EC-2026-007?",
    # the name opens the message, and the exception is the case told before the question
    "Marcus Lindqvist signed an exception for us yesterday allowing a 910B benchmark in Singapore. Is that exception "
    "valid?",
])
def test_someone_a_later_document_says_no_longer_holds_the_role_gets_no(settings, question):
    ans = answer(question, settings=settings)
    top = ans.answer.split("\n")[0]
    assert top.startswith("No. ") and "no longer by Marcus Lindqvist" in top, ans.answer
    assert not ans.answer.startswith("Evidence:")


@pytest.mark.parametrize("question", ["When does memo EC-2026-007 expire?", "Until when is memo EC-2026-007 in force?"])
def test_when_a_named_document_expires_is_read_from_its_own_sentence(settings, question):
    """Stop 24's trial: "When does memo EC-2026-007 expire?" was answered with a circular's sentences about the memo;
    the memo says "This memo remains in force until 31 December 2026."""
    ans = answer(question, settings=settings)
    assert ans.answer.startswith("Until 31 December 2026, per ") and "remains in force until" in ans.answer, ans.answer
    assert ans.citations[0].doc_id == "memo-ec-2026-007"


def test_a_who_question_finds_the_change_when_retrieval_ranked_it_out():
    """Stop 25's second trial: with more documents citing memo EC-2026-007, the circular's sentences about the memo
    filled the passages and "Who can grant exceptions to memo EC-2026-007?" got bullets; the index's amending
    sentence that names the memo, a new person and "exceptions … granted" answers it."""
    from assistant.engines.amendments import changed_for
    from assistant.engines.base import Context
    from assistant.question import analyze

    said = ("From 1 May 2026, exceptions under memo EC-2026-007 are granted in writing by Sofia Marchetti, Interim "
            "Chief Compliance Officer, and no longer by Marcus Lindqvist.")
    change = _unit("email", "2026-05-07", said)
    other = _unit("circular", "2026-06-15", "With effect from 1 July 2026, paragraph 4 of memo EC-2026-007 is "
                  "deleted and replaced by the following.")
    ctx = Context(analyze("Who can grant exceptions to memo EC-2026-007?"), [], {}, amending=(other, change))
    assert changed_for(ctx) is change
    assert changed_for(Context(analyze("Who wrote memo EC-2026-007?"), [], {}, amending=(other, change))) is None


def test_a_reported_question_or_an_acronym_is_no_change_of_who_grants():
    """Stop 27's trial: with a licence exception memo indexed ("Logistics asked whether three pending shipments … can
    leave under a licence exception instead of a full licence determination under paragraph 3 of memo
    EC-2026-007"), "Who can grant exceptions to memo EC-2026-007?" was answered "ECCN": a question reported is no
    change ("instead of" stands inside it), an acronym is no person, and a change must be about the act asked."""
    from assistant.engines.amendments import changed_for, collect
    from assistant.engines.base import Context
    from assistant.question import analyze

    asked = ("Logistics asked whether three pending shipments of MX-400 inference accelerator cards (ECCN 3A090.a) can "
             "leave under a licence exception instead of a full licence determination under paragraph 3 of memo "
             "EC-2026-007.")
    rows = [{"doc_id": "lx", "chunk_id": "lx:0", "start": 0, "end": len(asked), "text": asked}]
    assert collect(rows, {"lx": {"published": "2026-08-12"}}) == ()
    lx = _unit("lx", "2026-08-12", asked)
    assert new_name(Unit(hit=lx.hit, start=0, end=0, text=""), lx) is None  # "ECCN" is no one
    signed = _unit("note", "2026-09-01", "From 1 September 2026, exceptions under memo EC-2026-007 are recorded by "
                   "Joanna Okafor in the register.")
    ctx = Context(analyze("Who can grant exceptions to memo EC-2026-007?"), [], {}, amending=(signed,))
    assert changed_for(ctx) is None  # recorded, not granted
