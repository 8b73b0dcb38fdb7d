"""A licence record asked about with a date or a count, and a numbered rule asked how long (newcomer trial, stop 22):
the licence's number is no count, a date after its validity is a "No." on its "Valid until" line, a month in the
question is no name the documents must mention, and a rule's list number is no answer."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from tests.assistant.test_bottom_line import indexed

LICENCE = ("EXPORT LICENCE RECORD\nLicence No.: EL-2026-0417\nHolder: Meridian Semiconductor Test Services Sdn Bhd\n"
           "Issuing authority: Bureau of Industry and Security, U.S. Department of Commerce\n"
           "Date of issue: 15 January 2026\nValid until: 14 January 2027\nDestination: Penang, Malaysia\n"
           "Items: Huawei Ascend 910C evaluation modules (ECCN 3A090)\nAuthorised quantity: 12 units\n")
MEMO = ("MEMO EC-2026-007\nFrom: Dana Whitfield, Head of Trade Compliance\nDate: 3 March 2026\n\n"
        "1. Testing of Ascend 910C samples is permitted only in the Penang lab, under export licence EL-2026-0417.\n"
        "2. Any shipment exceeding 25 units of a 3A090 item must be reported to the Export Control Board within 5 "
        "business days.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("records"), {"licence-el-2026-0417.txt": LICENCE, "memo.txt": MEMO})


def test_a_case_dated_after_the_licence_ends_is_a_no_on_its_validity(settings):
    """It opened "No. … “Authorised quantity: 12 units” … 417 in is more than the 12" (the licence's number read as
    a count), and without that accident it gave "Yes, but only under the conditions it states"."""
    ans = answer("Can we test under licence EL-2026-0417 on 1 March 2027?", settings=settings)
    first = ans.answer.split("\n")[0]
    assert first.startswith("No.") and "Valid until: 14 January 2027" in first, ans.answer
    assert "before the date asked, 1 March 2027" in ans.answer and "417" not in ans.answer.replace("0417", "")
    within = answer("Can we test under licence EL-2026-0417 on 1 June 2026?", settings=settings)
    assert not within.answer.startswith("No."), within.answer  # within its validity the rules decide
    told = answer("Tan Wei Ling wants to run thermal tests on Ascend 910C samples in the Penang lab under licence "
                  "EL-2026-0417 on 1 March 2027. Can she do that?", settings=settings)  # the case's date, told
    assert told.answer.startswith("No.") and "before the date asked, 1 March 2027" in told.answer, told.answer
    month = answer("Can we still test under licence EL-2026-0417 in June 2026?", settings=settings)
    assert "do not mention June" not in month.answer and "417" not in month.answer.replace("EL-2026-0417", ""), \
        month.answer  # the licence number is not read as a figure "417"


def test_a_count_past_the_authorised_quantity_is_still_a_no(settings):
    ans = answer("Can we test 15 units under licence EL-2026-0417?", settings=settings)
    assert ans.answer.startswith("No.") and "Authorised quantity: 12 units" in ans.answer.split("\n")[0]
    assert "15 units is more than the 12" in ans.answer


def test_how_many_days_is_answered_by_the_days_not_by_the_rule_number_nor_a_digit_of_the_question(settings):
    """It opened "4, per …: “4. Any shipment exceeding 25 units …”" ("5" was taken for part of the asked "25")."""
    ans = answer("How many days do we have to report a shipment over 25 units?", settings=settings)
    assert ans.answer.startswith("5 business days, per "), ans.answer


def test_who_wrote_a_memo_is_read_from_its_from_line(settings):
    """It quoted the memo's headline "MEMO EC-2026-007" as its evidence."""
    ans = answer("Who wrote memo EC-2026-007?", settings=settings)
    assert ans.answer.startswith("Dana Whitfield, Head of Trade Compliance, per "), ans.answer
    assert "“From: Dana Whitfield, Head of Trade Compliance” [1]" in ans.answer


def test_how_many_a_licence_authorises_is_its_quantity_also_in_a_follow_up(settings):
    """"authorise" and "authority" share a stem: it answered with the "Issuing authority" line."""
    first = answer("When does licence EL-2026-0417 expire?", settings=settings)
    assert first.answer.startswith("On 14 January 2027, per "), first.answer
    history = [{"role": "user", "content": "When does licence EL-2026-0417 expire?"},
               {"role": "assistant", "content": first.answer}]
    for ans in (answer("How many units does it authorise?", history=history, settings=settings),
                answer("How many units does licence EL-2026-0417 authorise?", settings=settings)):
        assert ans.answer.startswith("12 units, per "), ans.answer


def test_a_prohibition_that_lifts_with_an_approval_says_so_in_its_verdict(tmp_path):
    """"No employee may test … without prior written approval from the Export Control Board" opened a bare "No." for
    "Is testing a 910D in the Penang lab allowed?"; asked without that approval, it stays "No."."""
    settings = indexed(tmp_path, {"memo.txt": "MEMO EC-2026-007\nDate: 3 March 2026\n\n1. No employee may test, "
                                              "benchmark or operate Huawei Ascend chips (including the 910B, 910C and "
                                              "910D) at any company site without prior written approval from the "
                                              "Export Control Board.\n"})
    ans = answer("Is testing a Huawei Ascend 910D at our company site allowed?", settings=settings)
    assert ans.answer.startswith("No, only with prior written approval from the Export Control Board. "), ans.answer
    bare = answer("Is testing a Huawei Ascend 910D at our company site without any approval allowed?", settings=settings)
    assert bare.answer.startswith("No. "), bare.answer
