"""Stop 27's newcomer trial (helper 56) wrote a licence exception memo (.docx, with a table and a decision) and an
internal audit finding list (a Markdown table); the assistant gave a firm "Yes." from the wrong column ("Exception
requested: LVS" for "Is SH-2026-0344 eligible?", "Owner: Ravi Menon" for "Was Ravi Menon's request approved?") and
turned "only if the net value … does not exceed USD 50,000" into "Only if … (exceed USD 50,000)" for USD 75,000."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import answer

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"
FILES = ("licence-exception-memo-lx-2026-021.docx", "internal-audit-ia-2026-q3-findings.md", "memo-ec-2026-007.txt")


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
