"""A newer revision that says it supersedes an older one (issue 9): the old version's rule decides no verdict, its
passages come after the new version's, its figures are no conflict, and the user is told which version is current."""

from __future__ import annotations

import pytest

from assistant import supersession
from assistant.answer import answer
from tests.assistant.test_bottom_line import indexed

REV1 = ("MEMO EC-2025-014 (Revision 1)\nFrom: Export Compliance Office\nDate: 2 June 2025\n\n"
        "Rule R4: Benchmarking or testing Huawei Ascend accelerators at any company site is prohibited.\n\n"
        "Exceptions to Rule R4 are approved by the Chief Compliance Officer, in writing, before any work starts.\n\n"
        "Staff who find Ascend hardware on site must report it to the compliance office within 48 hours.\n")
REV2 = ("MEMO EC-2025-014 (Revision 2)\nFrom: Export Compliance Office\nDate: 15 September 2025\n\n"
        "This revision supersedes Revision 1 of 2 June 2025.\n\n"
        "Rule R4: Benchmarking or testing Huawei Ascend accelerators at company sites is permitted only in the Penang "
        "lab, under an export licence held by the Penang entity.\n\n"
        "Exceptions to Rule R4 are approved by the Export Control Board.\n\n"
        "Staff who find Ascend hardware on site must report it to the compliance office within 24 hours.\n")


def _row(doc_id, text, start=0):
    return {"doc_id": doc_id, "chunk_id": f"{doc_id}:0", "start": start, "text": text}


DOCS = {"rev1": {"title": "MEMO EC-2025-014 (Revision 1)", "published": "2025-06-02"},
        "rev2": {"title": "MEMO EC-2025-014 (Revision 2)", "published": "2025-09-15"},
        "other": {"title": "MEMO EC-2025-099 (Revision 1)", "published": "2025-01-10"}}


def test_the_document_a_revision_says_it_supersedes_is_found_with_the_sentence_that_says_so():
    rows = [_row("rev1", "Rule R4 …"), _row("rev2", "Date: 15 September 2025\n\nThis revision supersedes Revision 1 "
                                                 "of 2 June 2025.\n\nRule R4 …"), _row("other", "Rule R9 …")]
    found = supersession.find(DOCS, rows, {})
    assert set(found) == {"rev1"}  # not EC-2025-099's Revision 1: another memo
    s = found["rev1"]
    assert s.new == "rev2" and s.quote == "This revision supersedes Revision 1 of 2 June 2025."
    assert rows[1]["text"][s.start:s.end] == s.quote


@pytest.mark.parametrize("text", [
    "This revision supersedes Revision 3.",                 # a revision label that is not the old memo's
    "Revision 1 of 2 June 2025 remains in force.",          # no superseding verb
])
def test_no_supersession_is_guessed(text):
    assert supersession.find(DOCS, [_row("rev2", text)], {}) == {}


def test_without_an_identifier_of_its_own_the_reference_must_name_the_old_version_two_ways():
    docs = {**DOCS, "rev2": {"title": None, "published": "2025-09-15"}}
    found = supersession.find(docs, [_row("rev2", "This revision supersedes Revision 1 of 2 June 2025.")], {})
    assert set(found) == {"rev1"}  # the label and the date: EC-2025-099's Revision 1 is of 10 January
    assert supersession.find(docs, [_row("rev2", "This revision supersedes Revision 1.")], {}) == {}


def test_a_newer_document_cannot_be_superseded_by_an_older_one():
    docs = {**DOCS, "rev1": {**DOCS["rev1"], "published": "2025-12-01"}}
    assert supersession.find(docs, [_row("rev2", "This revision supersedes Revision 1.")], {}) == {}


@pytest.mark.model
def test_the_current_revision_decides_and_the_old_one_is_named_as_superseded(tmp_path):
    settings = indexed(tmp_path, {"memo-rev1.txt": REV1, "memo-rev2.txt": REV2})
    ans = answer("Can we benchmark Huawei Ascend accelerators in the Penang lab?", settings=settings)
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith("Yes, but only under the conditions it states.") and "permitted only in the Penang" in first
    assert "any company site is prohibited" not in first
    assert any("is superseded by" in w and "supersedes Revision 1" in w for w in ans.warnings)
    elsewhere = answer("Can we benchmark Huawei Ascend accelerators in our Singapore office?", settings=settings)
    assert elsewhere.answer.startswith("No.") and "permitted only in the Penang" in elsewhere.answer.split("\n")[0]
    who = answer("Who approves exceptions to Rule R4?", settings=settings)
    assert who.answer.startswith("The Export Control Board, per "), who.answer
    report = answer("How quickly must staff report Ascend hardware found on site?", settings=settings)
    assert "24 hours" in report.answer.split("\n")[0] or "24 hours" in report.answer.split("\n")[1]
    assert "The sources conflict" not in report.answer and "is superseded by" in report.answer


@pytest.mark.model
def test_a_follow_up_about_another_site_gets_the_conditional_rule_and_old_figures_are_not_dates(tmp_path):
    """Newcomer trial (stop 21): "What about our Austin lab?" abstained ("They never mention Austin"); "Our Austin site
    wants to test a 910C" got "No." on the 24-hour reporting rule; the old version "gave 2, 2025" (its date)."""
    settings = indexed(tmp_path, {"memo-rev1.txt": REV1, "memo-rev2.txt": REV2})
    first = "Our Penang lab wants to benchmark Huawei Ascend 910B accelerators next month. Is that allowed?"
    ans = answer(first, settings=settings)
    assert ans.answer.startswith("Yes, but only under the conditions it states.")
    assert "that is a case of that rule" not in ans.answer
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": ans.answer}]
    austin = answer("What about our Austin lab?", history=history, settings=settings)
    assert austin.answer.startswith("No.") and "permitted only in the Penang lab" in austin.answer.split("\n")[0]
    site = answer("Our Austin site wants to test a Huawei Ascend 910C. Is that allowed?", settings=settings)
    assert site.answer.startswith("No.") and "Rule R4" in site.answer.split("\n")[0]
    who = answer("Wer genehmigt Ausnahmen von Regel R4?", settings=settings)
    assert "gave 2" not in who.answer and "2025;" not in who.answer
    lines = who.answer.split("\n")
    rev1 = [i for i, line in enumerate(lines) if "Chief Compliance Officer" in line]
    rev2 = [i for i, line in enumerate(lines) if "Export Control Board" in line]
    assert rev1 and rev2 and min(rev2) < min(rev1)  # the current version first


@pytest.mark.model
def test_a_conditional_rule_asked_of_no_particular_site_gives_its_conditions_and_a_deadline_is_a_short_answer(tmp_path):
    """Trial (stop 22): "Is benchmarking at any company site prohibited?" opened "Yes." on Revision 2's "permitted
    only in the Penang lab" (the question names no site, inside or outside the conditions); "An Ascend card was found
    in our Singapore office. How long do we have to report it?" abstained ("long" was read as a term the answer must
    hold), and "How long …" without context opened with the two revisions' sentences instead of "Within 24 hours"."""
    settings = indexed(tmp_path, {"memo-rev1.txt": REV1, "memo-rev2.txt": REV2})
    any_site = answer("Is benchmarking Huawei Ascend accelerators at any company site prohibited?", settings=settings)
    first = any_site.answer.split("\n", 1)[0]
    assert first.startswith("Yes, unless its conditions are met.") and "permitted only in the Penang lab" in first
    may = answer("Can we test Huawei Ascend accelerators at our company sites?", settings=settings)
    assert may.answer.startswith("Only under the conditions it states."), may.answer
    for question in ("An Ascend card was found in our Singapore office. How long do we have to report it?",
                     "How long do staff have to report Ascend hardware found on site?"):
        ans = answer(question, settings=settings)
        assert not ans.abstained and ans.answer.startswith("Within 24 hours, per MEMO EC-2025-014 (Revision 2)"), \
            ans.answer
        assert "gave 48; it is superseded by" in ans.answer  # the old version's figure, named as superseded
