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


CIRCULAR = ("TRADE COMPLIANCE CIRCULAR TC-2026-12\nAmendment No. 1 to memo EC-2026-007\n\nFrom: Dana Whitfield, Head of "
            "Trade Compliance\nDate: 15 June 2026\nEffective date: 1 July 2026\n\n2. Amendment. With effect from 1 July "
            "2026, paragraph 4 of memo EC-2026-007 is deleted and replaced by the following:\n\"4. Any shipment "
            "exceeding 10 units of a 3A090 item must be reported to the Export Control Board within 3 business days "
            "of dispatch.\"\n\n3. Transition. Shipments dispatched before 1 July 2026 remain subject to paragraph 4 as "
            "originally issued.\n")
MEMO_RULES = ("MEMO EC-2026-007\nFrom: Dana Whitfield, Head of Trade Compliance\nDate: 3 March 2026\n\n"
              "4. Any shipment exceeding 25 units of a 3A090 item must be reported to the Export Control Board within 5 "
              "business days.\n")
MINUTES = ("# Minutes of the Export Control Board meeting ECB-2026-09\n\nDate: 24 June 2026\n\n## Item 2: Lumen Data "
           "Systems Sdn Bhd (Kuala Lumpur, Malaysia)\n\nRequest: Lumen asked for two Meridian engineers to benchmark a "
           "Huawei Ascend 910D in Lumen's Kuala Lumpur facility for a joint customer demonstration.\nDecision: "
           "REFUSED. The Board will not approve any testing, benchmarking or operation of Ascend chips by Meridian "
           "staff outside the Penang lab.\n")


@pytest.fixture(scope="module")
def amended(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("amended"), {"memo-ec-2026-007.txt": MEMO_RULES,
                                                         "circular-tc-2026-12.txt": CIRCULAR,
                                                         "minutes-ecb-2026-09.md": MINUTES})


@pytest.mark.parametrize(("question", "verdict", "threshold"), [
    # after the circular's effective date: its 10-unit threshold decides
    ("We're shipping 15 MX-400 accelerator cards (ECCN 3A090) to a customer in Thailand, dispatch on 20 July 2026. "
     "Do we have to report this shipment to the Export Control Board?", "Yes.", "exceeding 10 units"),
    # before it, the memo's 25 units as originally issued (the count told before the question, not "22" of the date)
    ("Same kind of case but earlier: 15 MX-400 cards (ECCN 3A090) to Thailand dispatched on 22 June 2026. Does that "
     "shipment have to be reported to the Export Control Board?", "No.", "exceeding 25 units"),
])
def test_the_threshold_in_force_on_the_cases_date_decides(amended, question, verdict, threshold):
    ans = answer(question, settings=amended)
    top = first_line(ans)
    assert top.startswith(verdict) and threshold in top, ans.answer
    if verdict == "No.":
        assert "applies from 1 July 2026; the case is dated 22 June 2026, before it" in ans.answer


def test_a_request_refused_in_minutes_answers_can_we_do_it(amended):
    ans = answer("Lumen Data Systems in Kuala Lumpur asked us to send two engineers to benchmark a Huawei Ascend 910D "
                 "at their facility for a joint demo. Can we do it?", settings=amended)
    assert not ans.abstained and first_line(ans).startswith("No. ") and "Decision: REFUSED" in first_line(ans), \
        ans.answer


def test_the_verb_of_a_case_told_before_is_that_allowed_finds_the_decision(settings):
    ans = answer("Logistics wants to split shipment SH-2026-0231 into two consignments of 20 units each. Is that "
                 "allowed?", settings=settings)
    assert first_line(ans).startswith("No. ") and "We will not split SH-2026-0231" in first_line(ans), ans.answer


def test_a_count_of_items_is_held_only_against_a_threshold_in_items():
    """Trial (stop 24): "We plan to ship 50 MX-220 modules … Do we need a licence determination …?" got "No." on a
    classification record's "A TPP of 4,960 is 4800 or more" (50 is not 4800 or more)."""
    from assistant.engines.threshold import _rules
    from assistant.models import Hit, Unit

    def unit(text: str) -> Unit:
        return Unit(hit=Hit(chunk_id="c", doc_id="d", text=text, start=0, end=len(text), score=0.0), start=0,
                    end=len(text), text=text)

    tpp = unit("Rationale: A TPP of 4,960 is 4800 or more, so shipments to Vietnam need a licence determination.")
    items = unit("4. Any shipment exceeding 25 units of a 3A090 item must be reported to the Export Control Board.")
    terms = {"shipment", "licenc", "determin", "vietnam", "report"}
    found = _rules([tpp, items], terms, frozenset(), True, 50.0)
    assert [u for u, _ in found] == [items]


def test_a_date_field_of_the_named_record_answers_when(settings):
    ans = answer("By when must shipment SH-2026-0231 be reported to the Export Control Board?", settings=settings)
    assert ans.answer.startswith("By 19 May 2026, per ") and "Report to the Export Control Board: by 19 May 2026" in \
        ans.answer.split("\n")[0], ans.answer


def test_the_records_a_question_may_name_are_read_from_titles_and_openings(settings):
    from assistant.answer import get_assistant

    records = get_assistant(settings).records
    assert records["SH-2026-0231"] == {"email-sh-2026-0231"} and "memo-ec-2026-007" in records["EC-2026-007"]


PROPOSAL_MINUTES = ("# Minutes of the Export Control Board meeting ECB-2026-09\n\nDate: 24 June 2026\n\n## Item 1: Chao "
                    "Phraya AI Labs Co., Ltd (Bangkok, Thailand), order PO-CPA-2026-031\n\nProposal by Henrik Aalto: "
                    "release all 60 cards in one shipment in July 2026 on the basis of the clean screening.\nThe "
                    "proposal was rejected (3 votes against, 1 in favour). The Board considered the Shenzhen research "
                    "programme a red flag.\n")


def test_a_proposal_is_quoted_with_what_became_of_it_and_never_opens_the_answer(tmp_path):
    settings = indexed(tmp_path, {"minutes-ecb-2026-09.md": PROPOSAL_MINUTES})
    ans = answer("Who proposed shipping all 60 cards at once, and was that accepted?", settings=settings)
    lines = ans.answer.split("\n")
    at = next(i for i, line in enumerate(lines) if "Proposal by Henrik Aalto" in line)
    assert not lines[0].startswith("Per "), ans.answer
    assert "The proposal was rejected (3 votes against, 1 in favour)" in lines[at + 1], ans.answer


def test_a_model_number_is_no_count_told_before_the_question():
    """Rerun of the stop-24 trial: "We shipped MX-220 modules … Do those shipments need to be re-reported …?" read
    "220 modules" as a count, took the question for a rule question and answered "Yes." on an unrelated rule."""
    from assistant.engines.bottom_line import is_rule_question
    from assistant.question import analyze

    assert not is_rule_question(analyze("We shipped MX-220 modules to Malaysia in April 2026. Do those shipments need "
                                        "to be re-reported now that the classification was corrected?"))
    assert is_rule_question(analyze("15 MX-400 cards go to Thailand on 22 June 2026. Does that shipment have to be "
                                    "reported to the Export Control Board?"))


@pytest.mark.parametrize(("count", "verdict"), [("15", "No."), ("8", "Yes.")])
def test_whether_a_duty_may_be_skipped_is_the_threshold_inverted(amended, count, verdict):
    """Stop 24 (CLI): "Can we ship 15 MX-400 cards … without telling the Export Control Board?" got "Only if the case
    meets its condition (exceeding 10).", though 15 exceeds 10."""
    ans = answer(f"Can we ship {count} MX-400 cards to Thailand on 3 August 2026 without telling the Export Control "
                 "Board?", settings=amended)
    top = first_line(ans)
    assert top.startswith(verdict) and "exceeding 10 units" in top, ans.answer


CONDITIONS_MINUTES = PROPOSAL_MINUTES + (
    "\nDecision: APPROVED WITH CONDITIONS for a first tranche of 30 cards only. Conditions:\n(a) before dispatch, the "
    "customer signs an end-user certificate that names the installation site in Bangkok;\n(b) Trade Compliance "
    "completes a licence determination under paragraph 3 of memo EC-2026-007;\n(c) the remaining 30 cards are not "
    "released until Joanna Okafor has made a site visit in Bangkok.\n\n## Actions\n\nNext meeting: 22 July 2026.\n")


def test_a_passage_ending_in_a_colon_is_quoted_with_the_list_it_introduces(tmp_path):
    """Stop 24's trial: "What conditions did the Board attach to the approval?" quoted "Decision: APPROVED WITH
    CONDITIONS for a first tranche of 30 cards only. Conditions:" and none of the conditions (a) to (d)."""
    settings = indexed(tmp_path, {"minutes-ecb-2026-09.md": CONDITIONS_MINUTES})
    ans = answer("What conditions did the Export Control Board attach to the Chao Phraya AI Labs approval?",
                 settings=settings)
    quoted = next(c.quote for c in ans.citations if c.quote.startswith("Decision: APPROVED"))
    assert "(a) before dispatch" in quoted and "(c) the remaining 30 cards" in quoted, ans.answer
    assert "Next meeting" not in quoted


def test_a_rule_a_later_document_amends_is_no_conflict_but_an_amendment(amended):
    """Stop 24's trial: "What is the reporting threshold …?" showed the memo's and the circular's rules with "The
    sources conflict: … gives 10, … gives 25, 4, 5" (the "4" being the paragraph's number); the circular amends the
    memo from 1 July 2026."""
    ans = answer("What is the reporting threshold for shipments of 3A090 items?", settings=amended)
    assert not ans.abstained, ans.answer  # no document says "threshold"; both write one ("exceeding 25 units")
    assert "The sources conflict" not in ans.answer, ans.answer
    note = next(line for line in ans.answer.split("\n") if " amends " in line)
    assert note.startswith("TRADE COMPLIANCE CIRCULAR TC-2026-12 (2026-06-15) amends "), note
    assert "with effect from 1 July 2026: it gives 10, 3; the earlier text 25, 5." in note, note


def test_a_head_word_no_document_uses_still_abstains_unless_it_names_a_bound_they_write(amended):
    assert answer("What is the licence fee for shipments of 3A090 items?", settings=amended).abstained


def test_who_decided_a_decision_written_in_the_first_person_is_its_sender(settings):
    """Stop 24's trial: "Who decided that?" after the split-shipment decision quoted the decision again; the email's
    "We will not split …" is Dana Whitfield's, as its "From:" line says."""
    first = "Logistics wants to split shipment SH-2026-0231 into two consignments of 20 units each. Is that allowed?"
    before = answer(first, settings=settings)
    ans = answer("Who decided that?", settings=settings,
                 history=[{"role": "user", "content": first}, {"role": "assistant", "content": before.answer}])
    assert ans.answer.startswith("Dana Whitfield, Head of Trade Compliance, per "), ans.answer
    assert ans.citations[0].quote == "From: Dana Whitfield, Head of Trade Compliance"


def test_a_field_named_by_the_question_in_a_document_its_title_names_answers(tmp_path):
    """Stop 24's trial: "When is the next Export Control Board meeting?" got the minutes' "Place:" line."""
    settings = indexed(tmp_path, {"minutes-ecb-2026-09.md": CONDITIONS_MINUTES})
    ans = answer("When is the next Export Control Board meeting?", settings=settings)
    assert ans.answer.startswith("On 22 July 2026, per Minutes of the Export Control Board meeting ECB-2026-09"), \
        ans.answer
    assert ans.citations[0].quote.startswith("Next meeting: 22 July 2026")


@pytest.mark.parametrize("question, verdict", [
    ("Did the Export Control Board approve shipping all 60 MX-400 cards to Chao Phraya AI Labs in one shipment?", "No."),
    ("Was Henrik Aalto's proposal for Chao Phraya AI Labs the Board's decision?", "No.")])
def test_whether_a_proposal_was_approved_is_what_became_of_it(tmp_path_factory, question, verdict):
    """Stop 24's trial: "Did the Board approve shipping all 60 … in one shipment?" got bullets about another
    shipment; the minutes record the proposal and, right after it, "The proposal was rejected (3 votes against, 1 in
    favour)"."""
    settings = indexed(tmp_path_factory.mktemp("proposal"), {"minutes-ecb-2026-09.md": CONDITIONS_MINUTES})
    lines = answer(question, settings=settings).answer.split("\n")
    assert lines[0].startswith(f"{verdict} Minutes of the Export Control Board meeting ECB-2026-09 (2026-06-24) records "
                               "the outcome: “The proposal was rejected (3 votes against, 1 in favour)” [1]."), lines
    assert lines[1].startswith("The proposal: “Proposal by Henrik Aalto: release all 60 cards"), lines


def test_what_minutes_decided_about_an_agenda_item_is_read_under_its_heading(tmp_path):
    """Stop 24's trial: "What did the Export Control Board decide about the Chao Phraya AI Labs order
    PO-CPA-2026-031?" got the minutes' header lines; the decision stands under "Item 1: Chao Phraya AI Labs …, order
    PO-CPA-2026-031" and names neither."""
    settings = indexed(tmp_path, {"minutes-ecb-2026-09.md": CONDITIONS_MINUTES + "\n" + MINUTES.split("\n\n", 2)[2]})
    ans = answer("What did the Export Control Board decide about the Chao Phraya AI Labs order PO-CPA-2026-031?",
                 settings=settings)
    assert ans.answer.startswith("Per Minutes of the Export Control Board meeting ECB-2026-09 (2026-06-24): “Decision: "
                                 "APPROVED WITH CONDITIONS for a first tranche of 30 cards only."), ans.answer
    assert "(c) the remaining 30 cards" in ans.answer.split("\n")[0]
    refused = answer("What was decided about Lumen Data Systems?", settings=settings)
    assert refused.answer.startswith("Per Minutes of the Export Control Board meeting ECB-2026-09 (2026-06-24): "
                                     "“Decision: REFUSED. The Board will not approve any testing"), refused.answer
