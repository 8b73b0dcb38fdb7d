"""A decision recorded about the very case a question asks decides it before any general rule (stop 26's newcomer
trial, q15, q34, q42): a determination that says a shipment "did not need to be reported", a request granted "only 2
of the 4", a Board that rejected the proposal to ship all 60 cards in one shipment. Each of these got a verdict from
the memo's general rules (or none) before."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import answer
from tests.assistant.test_bottom_line import indexed

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"
FILES = ("determination-tc-ld-2026-052.txt", "minutes-ecb-2026-09.md", "minutes-ecb-2026-10.md", "memo-ec-2026-007.txt",
         "screening-log-rps-2026-q3.md")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("decided"), {f: (RECORDS / f).read_text() for f in FILES})


def _first(ans) -> str:
    return ans.answer.split("\n")[0]


def test_a_sentence_about_the_record_asked_says_it_did_not_need_reporting(settings):
    ans = answer("Did SH-2026-0315 need to be reported to the Export Control Board?", settings=settings)
    assert _first(ans).startswith("No. "), ans.answer
    assert "“SH-2026-0315 (8 units) did not need to be reported” [1]" in _first(ans)
    assert "SH-2026-0322" not in _first(ans)


def test_the_other_record_of_the_same_paragraph_had_to_be_reported(settings):
    ans = answer("Did SH-2026-0322 need to be reported to the Export Control Board?", settings=settings)
    assert _first(ans).startswith("Yes. "), ans.answer
    assert "Ravi Menon must report SH-2026-0322 to the Export Control Board by 18 September 2026" in _first(ans)


def test_a_request_granted_in_part_is_no_for_the_whole(settings):
    ans = answer("The Penang lab wants 4 more Ascend 910C modules shipped under EL-2026-0417. Can we ship all 4?",
                 settings=settings)
    assert _first(ans) == "No, not all 4: only 2.", ans.answer
    assert "Only 2 of the 4 requested modules can be shipped under licence EL-2026-0417" in ans.answer
    assert "within the 12" not in ans.answer  # the licence's quantity is no permission beside the determination


def test_the_part_granted_is_yes(settings):
    ans = answer("Can we ship 2 more Ascend 910C modules to the Penang lab under EL-2026-0417?", settings=settings)
    assert _first(ans).startswith("Yes, 2 of the 4 requested"), ans.answer


def test_asking_whether_a_rejected_proposal_is_allowed_gets_its_outcome(settings):
    ans = answer("Are we allowed to ship all 60 MX-400 cards to Chao Phraya AI Labs in one shipment?",
                 settings=settings)
    assert _first(ans).startswith("No. Minutes of the Export Control Board meeting ECB-2026-09"), ans.answer
    assert "The proposal was rejected (3 votes against, 1 in favour)" in _first(ans)
    assert "exceeding 25" not in _first(ans)  # not the memo's reporting rule


def test_a_deadline_in_the_sentence_of_a_decision_answers_what_the_deadline_is(settings):
    ans = answer("What is the deadline for dispatching SH-2026-0334?", settings=settings)
    assert _first(ans).startswith("By 30 September 2026, per EXPORT AUTHORISATION DETERMINATION TC-LD-2026-052"), ans.answer
    assert "word this differently" not in ans.answer  # the Board's condition on another order is no other wording


def test_a_dated_case_is_held_against_the_deadline_of_a_decision_granted_in_part(settings):
    ans = answer("Can SH-2026-0334 be dispatched on 2 October 2026?", settings=settings)
    assert _first(ans).startswith("No: the date asked is after the deadline"), ans.answer


def test_who_did_it_is_the_agent_of_the_passive_wherever_the_verb_first_comes(settings):
    ans = answer("Who cleared the possible match for Lumen Data Systems?", settings=settings)
    assert _first(ans).startswith("Dana Whitfield, per Restricted-party screening log"), ans.answer


def test_who_decided_a_decision_in_minutes_is_the_body_that_met(settings):
    history = [{"role": "user", "content": "What did the Board decide about Lumen's request to benchmark an Ascend 910D "
                                           "in Kuala Lumpur?"},
               {"role": "assistant", "content": "Per Minutes of the Export Control Board meeting ECB-2026-09 "
                                                "(2026-06-24): “Decision: REFUSED. The Board will not approve any "
                                                "testing, benchmarking or operation of Ascend chips by Meridian staff "
                                                "outside the Penang lab” [1]."}]
    ans = answer("Who decided that?", history=history, settings=settings)
    assert _first(ans).startswith("The Export Control Board, per Minutes of the Export Control Board meeting "
                                  "ECB-2026-09"), ans.answer


def test_a_label_is_no_one_who_did_anything(settings):
    """Stop 27's trial, Q10: "Who will inform the customer?" after the Lumen refusal got "Decision, per …"."""
    ans = answer("Who will inform Lumen Data Systems of the Board's refusal?", settings=settings)
    assert _first(ans).startswith("Henrik Aalto, per Minutes"), ans.answer


def test_a_value_two_rows_give_is_listed_once(settings):
    ans = answer("Which country was SH-2026-0315 shipped to?", settings=settings)
    assert _first(ans).startswith("Vietnam, per Restricted-party screening log"), ans.answer


def test_a_condition_that_holds_back_part_of_an_order_answers_a_request_for_that_part(settings):
    # minutes ECB-2026-09, item 1 (Chao Phraya AI Labs): "(d) the remaining 30 cards are not released until Joanna
    # Okafor has made a site visit in Bangkok and the Board has decided again"
    ans = answer("Chao Phraya AI Labs wants the remaining 30 MX-400 cards dispatched now. Can we do it?",
                 settings=settings)
    first = ans.answer.split("\n")[0]
    assert first.startswith("No. ") and "the remaining 30 cards are not released until" in first, ans.answer
    other = answer("Chao Phraya AI Labs wants the first 30 cards now. Can we ship them?", settings=settings)
    assert "not released until" not in other.answer.split("\n")[0], other.answer  # the first tranche is approved
