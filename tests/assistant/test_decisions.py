"""A decision recorded about the case a question names decides it before the general rule, and a proposal made in
the same thread is no evidence (newcomer trial, stop 23: "Can we split SH-2026-0231 into two shipments of 20 units to
avoid reporting?" got "Only if the case meets its condition (exceeding 25)", and "Does shipment SH-2026-0231 have to
be reported …?" quoted the rejected "Then neither shipment would need to be reported …" first)."""

from __future__ import annotations

import re

import pytest

from assistant.answer import answer
from assistant.terms import DECIDED
from tests.assistant.test_amendments import MEMO
from tests.assistant.test_bottom_line import first_line, indexed

THREAD = ("RE: RE: Shipment SH-2026-0231 - 40x MX-400 to Saigon Compute Cloud (Vietnam)\n\n"
          "From: Dana Whitfield, Head of Trade Compliance\nTo: Ravi Menon, Logistics Manager\nDate: 7 May 2026\n\n"
          "Ravi,\n\nNo. We will not split SH-2026-0231 into two consignments of 20 units to stay under the 25-unit "
          "reporting threshold in memo EC-2026-007. Splitting a shipment to avoid reporting is exactly what that rule "
          "is meant to catch. The 40 units ship as one consignment and will be reported to the Export Control Board."
          "\n\nDecision:\n- Release: the 40 units leave the Singapore warehouse on 12 May 2026.\n- Report to the "
          "Export Control Board: by 19 May 2026.\n\nDana\n\n----- Original message -----\nFrom: Ravi Menon, Logistics "
          "Manager\nDate: 6 May 2026\nTo: Dana Whitfield\nSubject: RE: Shipment SH-2026-0231\n\nDana, the customer "
          "wants everything delivered before 15 May. Can we send it as two shipments of 20 units each, on 12 May and "
          "14 May? Then neither shipment would need to be reported to the Export Control Board.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("decided"), {"memo-ec-2026-007.txt": MEMO,
                                                         "email-sh-2026-0231.txt": THREAD})


def test_splitting_the_named_shipment_is_answered_by_the_decision_about_it(settings):
    ans = answer("Can we split SH-2026-0231 into two shipments of 20 units to avoid reporting?", settings=settings)
    top = first_line(ans)
    assert top.startswith("No. ") and "“We will not split SH-2026-0231 into two consignments" in top, ans.answer
    assert "Only if the case meets its condition" not in ans.answer
    assert ans.citations[0].doc_id == "email-sh-2026-0231"


def test_whether_the_named_shipment_is_reported_is_the_decision_not_the_proposal(settings):
    ans = answer("Does shipment SH-2026-0231 have to be reported to the Export Control Board?", settings=settings)
    top = first_line(ans)
    assert top.startswith("Yes. ") and "will be reported to the Export Control Board" in top, ans.answer
    assert "would need to be reported" not in ans.answer, "the rejected proposal is no evidence"


def test_a_question_that_names_no_record_is_answered_by_the_rule(settings):
    ans = answer("Must a shipment of 40 units of a 3A090 item be reported to the Export Control Board?",
                 settings=settings)
    assert "records the decision" not in ans.answer, ans.answer
    assert re.search(r"exceeding 25 units", ans.answer)


@pytest.mark.parametrize(("text", "decided"), [
    ("We will not split SH-2026-0231 into two consignments.", True),
    ("The 40 units ship as one consignment and will be reported to the Export Control Board.", True),
    ("The request was refused on 3 June 2026.", True),
    ("Then neither shipment would need to be reported to the Export Control Board.", False),   # a proposal
    ("Can we send it as two shipments of 20 units each?", False),
])
def test_a_decision_says_what_will_be_done_a_proposal_what_would(text, decided):
    assert bool(DECIDED.search(text)) is decided
