"""Stop 27's newcomer trial (helper 56) wrote a licence exception memo (.docx, with a table and a decision) and an
internal audit finding list (a Markdown table); the assistant gave a firm "Yes." from the wrong column ("Exception
requested: LVS" for "Is SH-2026-0344 eligible?", "Owner: Ravi Menon" for "Was Ravi Menon's request approved?") and
turned "only if the net value … does not exceed USD 50,000" into "Only if … (exceed USD 50,000)" for USD 75,000."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import answer

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"
FILES = ("licence-exception-memo-lx-2026-021.docx", "internal-audit-ia-2026-q3-findings.md", "memo-ec-2026-007.txt",
         "procedure-tc-p-004-denied-party-escalation.md")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trial30")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for f in FILES:
        (corpus / f).write_bytes((RECORDS / f).read_bytes())
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run

    s = AssistantSettings(home=tmp / "state")
    assert run([corpus], s).exit_code == 0
    return s


def _first(ans) -> str:
    return ans.answer.split("\n")[0]


def test_a_yes_no_question_is_read_in_the_column_of_yes_and_no(settings):
    ans = answer("Is shipment SH-2026-0344 eligible for a licence exception?", settings=settings)
    assert _first(ans).startswith("No. ") and "under Eligible" in _first(ans), ans.answer


def test_a_cell_that_is_no_yes_gives_no_verdict(settings):
    ans = answer("Was Ravi Menon's request to downgrade IA-F-01 approved?", settings=settings)
    assert not _first(ans).startswith("Yes"), ans.answer
    assert "under Owner" not in ans.answer


@pytest.mark.parametrize("amount, verdict", [("75,000", "No. "), ("30,000", "Yes. ")])
def test_a_permission_bounded_by_an_amount_is_held_against_the_amount_asked(settings, amount, verdict):
    ans = answer(f"Can we use a licence exception for a shipment of 3A090 items worth USD {amount}?",
                 settings=settings)
    assert _first(ans).startswith(verdict), ans.answer
    assert "does not exceed USD 50,000" in _first(ans)
    assert f"USD {amount} {'does not meet' if verdict == 'No. ' else 'meets'} the condition" in ans.answer


def test_a_number_inside_an_identifier_is_no_answer(settings):
    ans = answer("What is the value cap for using a licence exception for 3A090 items?", settings=settings)
    assert "50,000" in _first(ans).split(", per ")[0] and not _first(ans).startswith("09"), ans.answer


def test_a_case_detail_in_a_cell_does_not_answer_what_another_column_is_asked(settings):
    """The stop 27 review: "Our Hanoi customer wants SH-2026-0344 shipped under a licence exception next week. Is it
    eligible?" got "Yes. … gives SH-2026-0344 as Hanoi, Vietnam under Destination": the Eligible column is asked."""
    ans = answer("Our Hanoi customer wants SH-2026-0344 shipped under a licence exception next week. Is it eligible?",
                 settings=settings)
    assert _first(ans).startswith("No. ") and "under Eligible" in _first(ans), ans.answer


def test_a_title_line_naming_the_record_is_no_field_of_it(settings):
    """Stop 27's trial, Q38: "Who performed the internal audit IA-2026-Q3?" got "export compliance findings, per …"
    from the title line "Internal audit IA-2026-Q3: export compliance findings", read as a field."""
    ans = answer("Who performed the internal audit IA-2026-Q3?", settings=settings)
    assert _first(ans).startswith("Lena Vogt"), ans.answer


@pytest.mark.parametrize("rating, days", [("High", "30"), ("Medium", "60"), ("Low", "90")])
def test_the_value_of_the_case_asked_is_read_from_its_own_clause(settings, rating, days):
    # "a finding rated High must be remediated within 30 calendar days …, a finding rated Medium within 60 calendar
    # days, and a finding rated Low within 90 calendar days": "remediated" stands only beside the High clause
    ans = answer(f"Within how many days must a {rating} audit finding be remediated?", settings=settings)
    assert _first(ans).startswith(f"{days} calendar days") or _first(ans).startswith(f"within {days} calendar days"), \
        ans.answer


def test_a_table_cell_corrected_in_prose_is_answered_by_the_correction(settings):
    # section 6 of the memo: "… the net value of SH-2026-0340 was stated as USD 18,600 in the first issue of this
    # memo. The correct net value is USD 21,400, per commercial invoice INV-MS-88213."
    ans = answer("What is the net value of SH-2026-0340?", settings=settings)
    assert _first(ans).startswith("USD 21,400, corrected on 19 August 2026"), ans.answer
    assert "[1]" in _first(ans) and "Before that, its table gave 18,600" in ans.answer
    other = answer("What is the net value of SH-2026-0341?", settings=settings)  # a row no correction names
    assert _first(other).startswith("7,200: "), other.answer


def test_a_prose_correction_is_read_with_its_field_value_date_and_record():
    from assistant.engines.corrections import _prose

    text = ("Correction of 19 August 2026 (Joanna Okafor): the net value of SH-2026-0340 was stated as USD 18,600 in "
            "the first issue of this memo. The correct net value is USD 21,400, per commercial invoice INV-MS-88213.\n"
            "Corrections to this memo are made by Trade Compliance. The correct procedure is described in TC-P-004.")
    found = list(_prose(text))
    assert [e[2:] for e in found] == [("net value", "USD 21,400", "19 August 2026", "SH-2026-0340")]
    assert text[found[0][0]:found[0][1]].endswith("INV-MS-88213.")


def test_what_was_decided_in_a_case_is_read_under_the_case_paragraph(settings):
    # "Case DPS-2026-017 (shipment SH-2026-0347, 4 September 2026): … Decision: CLEARED as a false positive …":
    # the decision line does not name the case; the paragraph it closes does
    ans = answer("What was decided in case DPS-2026-017?", settings=settings)
    assert "Decision: CLEARED as a false positive on 4 September 2026" in _first(ans), ans.answer
    other = answer("What was decided in case DPS-2026-019?", settings=settings)
    assert "Decision: possible match, escalated to Dana Whitfield" in _first(other), other.answer


def test_a_record_on_hold_may_not_go_now(settings):
    ans = answer("Can order PO-HEN-2026-007 be shipped now?", settings=settings)
    assert _first(ans).startswith("No. ") and "the order stays on hold" in _first(ans), ans.answer
    released = answer("Can shipment SH-2026-0347 be released?", settings=settings)  # cleared and released
    assert not _first(released).startswith("No."), released.answer


@pytest.mark.parametrize("question, who", [
    ("Qui a approuvé la procédure TC-P-004 ?", "Sofia Marchetti"),   # "Approved by:"
    ("Wer hat die Prozedur TC-P-004 genehmigt?", "Sofia Marchetti"),
    ("Qui est responsable de la procédure TC-P-004 ?", "Dana Whitfield"),  # "Owner:"
])
def test_a_field_asked_in_french_or_german_is_read_from_its_english_label(settings, question, who):
    ans = answer(question, settings=settings)
    assert _first(ans).startswith(who), ans.answer


@pytest.mark.parametrize("question, rows, not_rows", [
    ("Which audit findings from IA-2026-Q3 are still open?", ["IA-F-01", "IA-F-03", "IA-F-04"], ["IA-F-02", "IA-F-05"]),
    ("Which findings are closed?", ["IA-F-02", "IA-F-05"], ["IA-F-01", "IA-F-03", "IA-F-04"]),
])
def test_which_rows_have_a_status_read_in_the_status_column(settings, question, rows, not_rows):
    # "audit findings": the column is named by the second word; "closed" opens "Closed, no breach" and
    # "Closed on 10 October 2026"
    first = _first(answer(question, settings=settings))
    assert all(r in first for r in rows) and not any(r in first for r in not_rows), first
    assert "(read from the table)" in first


@pytest.mark.parametrize("score, verdict, meets", [("87", "Yes. ", "meets"), ("80", "No. ", "does not meet")])
def test_a_measure_told_in_the_question_is_held_against_a_procedure_step(settings, score, verdict, meets):
    # step 1: "When the screening tool reports a potential match with a match score of 85 or more …, the screener
    # places the order or shipment on hold …" (a conditional step, no "must"); "Hits with a match score below 85 …
    # need no ticket" is about tickets, not holds
    ans = answer(f"A screening hit on a new customer has a match score of {score}. Do we need to put the shipment "
                 "on hold?", settings=settings)
    assert _first(ans).startswith(verdict) and "85 or more" in _first(ans), ans.answer
    assert f"a score of {score} {meets} the condition “85 or more”" in ans.answer


@pytest.mark.parametrize("question, verdict", [("Is the MX-400 a 3A090 item?", "Yes. "),
                                               ("Is the MX-400 classified under EAR99?", "No. ")])
def test_whether_a_product_is_in_a_class_is_read_where_it_is_written_with_its_code(settings, question, verdict):
    # the memo: "… shipments of MX-400 inference accelerator cards (ECCN 3A090.a) …"
    ans = answer(question, settings=settings)
    assert _first(ans).startswith(verdict) and "3A090.a" in _first(ans), ans.answer
    assert "“" in ans.answer.split("\n")[1] and "(ECCN 3A090.a)" in ans.answer.split("\n")[1]


def test_an_attribute_no_document_uses_is_abstained_on_whatever_its_possessive(settings):
    # "our total export revenue to Vietnam": no document speaks of revenue (stop 27's trial listed dates instead)
    ans = answer("What was our total export revenue to Vietnam in 2026?", settings=settings)
    assert ans.answer.startswith("The documents do not say."), ans.answer
    assert any("revenue" in w for w in ans.warnings), ans.warnings


def test_a_request_and_its_outcome_in_one_sentence_answer_whether_it_was_approved(settings):
    # "Ravi Menon asked for IA-F-01 to be downgraded to Medium …; that request was refused by Sofia Marchetti …"
    ans = answer("Was Ravi Menon's request to downgrade IA-F-01 approved?", settings=settings)
    assert _first(ans).startswith("No. ") and "that request was refused by Sofia Marchetti" in _first(ans), ans.answer


def test_a_proposal_not_accepted_is_read_of_the_record_the_question_names(settings):
    # the memo: "Henrik Aalto had proposed shipping the first 10 cards under LVS …; that proposal was not accepted"
    ans = answer("Was Henrik Aalto's proposal to ship the first 10 cards of SH-2026-0344 under LVS accepted?",
                 settings=settings)
    assert _first(ans).startswith("No. ") and "that proposal was not accepted" in _first(ans), ans.answer



def test_a_hold_lifted_later_in_the_record_is_no_hold(tmp_path):
    from tests.assistant.test_bottom_line import indexed

    case = ("Screening case DPS-2026-031\nDate: 1 October 2026\n\nCase DPS-2026-031 (order PO-KLX-2026-015, 1 October "
            "2026): the consignee returned a match score of 86. Decision: possible match; the order stays on hold. "
            "On 3 October 2026 the hold was lifted after review, and the order was released.\n")
    s = indexed(tmp_path, {"case-dps-2026-031.txt": case})
    first = answer("Can order PO-KLX-2026-015 be shipped now?", settings=s).answer.split("\n")[0]
    assert not first.startswith("No. "), first
