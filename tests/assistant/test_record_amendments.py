"""An amendment record changes another record's fields: licence EL-2026-0417 reads "Valid until: 14 January 2027"
and "Named personnel: Aisha Rahman, Tan Wei Ling", and amendment record EL-2026-0417-A1 moves the date to 30 June
2027 and replaces Tan Wei Ling with Kevin Lee from 1 August 2026 (stop 25's second trial: "Until when is export
licence EL-2026-0417 valid?" got 14 January 2027, and the new engineer was told he may not test)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.engines.corrections import collect
from tests.assistant.test_bottom_line import indexed

LICENCE = ("EXPORT LICENCE RECORD\nLicence number: EL-2026-0417\nHolder: Meridian Semiconductor Test Services Sdn Bhd\n"
           "Date issued: 15 January 2026\nValid until: 14 January 2027\nItems: Huawei Ascend 910C samples, 12 units\n"
           "Named personnel: Aisha Rahman, Tan Wei Ling\nEnd use: Thermal and reliability testing only; no re-export.\n")
AMENDMENT = ("EXPORT LICENCE AMENDMENT RECORD\nAmendment No.: EL-2026-0417-A1\nLicence amended: EL-2026-0417\n"
             "Date of amendment: 20 July 2026\nRecorded by: Joanna Okafor, Trade Compliance Analyst\n\n"
             "Change 1 - Named personnel\nPrevious value: Aisha Rahman, Tan Wei Ling\nNew value: Aisha Rahman, Kevin Lee\n"
             "Effective date: 1 August 2026\nReason: Tan Wei Ling transferred to the Singapore office on 31 July 2026.\n\n"
             "Change 2 - Valid until\nPrevious value: 14 January 2027\nNew value: 30 June 2027\n"
             "Effective date: 20 July 2026\nReason: The thermal test programme was extended by the customer.\n")
MEMO = ("Handling of Huawei Ascend accelerators\nDate: 3 March 2026\n\n2. Testing of Ascend 910C samples is permitted "
        "only in the Penang lab, under export licence EL-2026-0417, and only by staff named on that licence.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("amend"), {"licence-el-2026-0417.txt": LICENCE, "memo.txt": MEMO,
                                                       "licence-el-2026-0417-a1.txt": AMENDMENT})


def test_each_change_block_is_a_correction_of_the_amended_record():
    rows = [{"doc_id": "a1", "chunk_id": "a1:0", "start": 0, "end": len(AMENDMENT), "text": AMENDMENT},
            {"doc_id": "lic", "chunk_id": "lic:0", "start": 0, "end": len(LICENCE), "text": LICENCE}]
    staff, until = collect(rows, {"a1": {}, "lic": {}})
    assert (set(staff.field), staff.value, staff.date, staff.targets) == \
        ({"name", "personnel"}, "Aisha Rahman, Kevin Lee", "1 August 2026", {"lic"})
    assert until.unit.text.startswith("Change 2 - Valid until") and until.unit.text.endswith("20 July 2026")
    assert (until.value, until.date) == ("30 June 2027", "20 July 2026")


def test_the_amended_validity_leads_and_the_licence_as_issued_follows(settings):
    ans = answer("Until when is export licence EL-2026-0417 valid?", settings=settings)
    first, second = ans.answer.split("\n")[:2]
    assert first.startswith("30 June 2027, amended with effect from 20 July 2026, per EXPORT LICENCE AMENDMENT"), \
        ans.answer
    assert second.startswith("Before that, ") and "Valid until: 14 January 2027" in second


def test_a_case_after_the_old_date_is_judged_by_the_amended_one(settings):
    ans = answer("Can we test under licence EL-2026-0417 on 1 August 2027?", settings=settings)
    assert ans.answer.startswith("No. EXPORT LICENCE AMENDMENT RECORD"), ans.answer
    assert "New value: 30 June 2027" in ans.answer.split("\n")[0] and "Before that, " in ans.answer
    assert "30 June 2027 is before the date asked, 1 August 2027" in ans.answer


@pytest.mark.parametrize("day,listed", [("10 August 2026", True), ("25 July 2026", False)])
def test_the_staff_named_on_the_day_asked_decide(settings, day, listed):
    ans = answer(f"Can Kevin Lee test the Ascend 910C samples in the Penang lab on {day}?", settings=settings)
    assert ans.answer.startswith("Yes, but only under the conditions" if listed else "No."), ans.answer
    assert f"Kevin Lee is {'' if listed else 'not '}among the staff it names" in ans.answer
    assert ("New value: Aisha Rahman, Kevin Lee" in ans.answer) == listed


def test_the_word_before_an_identifier_names_the_record_not_a_field(settings):
    """Stop 25's second trial: "What is the new Valid until date of licence EL-2026-0417 under amendment
    EL-2026-0417-A1?" got the amendment's "Date of amendment: 20 July 2026"; "amendment" there says what
    EL-2026-0417-A1 is."""
    ans = answer("What is the new Valid until date of licence EL-2026-0417 under amendment EL-2026-0417-A1?",
                 settings=settings)
    assert ans.answer.startswith("30 June 2027, amended with effect from 20 July 2026"), ans.answer
    own = answer("What is the date of amendment EL-2026-0417-A1?", settings=settings)
    assert own.answer.startswith("20 July 2026, per EXPORT LICENCE AMENDMENT RECORD"), own.answer
