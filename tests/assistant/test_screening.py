"""A screening log's Result column answers whether a party passed its screening (stop 26's trial q26, q51: bullets
without a verdict): "No match" and "cleared as false positive" pass, "Confirmed match" does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer import answer
from assistant.engines.screening import _verdict
from tests.assistant.test_bottom_line import indexed

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    log = "screening-log-rps-2026-q3.md"
    return indexed(tmp_path_factory.mktemp("screening"), {log: (RECORDS / log).read_text()})


@pytest.mark.parametrize("question, verdict, cell", [
    ("Did Orchid Peak Trading Ltd pass the restricted-party screening?", "No. ", "Confirmed match: BIS Entity List"),
    ("Was Lumen Data Systems cleared in the screening?", "Yes. ", "cleared as false positive on 28 August 2026"),
    ("Was Saigon Compute Cloud JSC cleared in the restricted-party screening?", "Yes. ", "as No match under Result"),
])
def test_whether_a_party_passed_is_read_from_its_result_cell(settings, question, verdict, cell):
    first = answer(question, settings=settings).answer.split("\n")[0]
    assert first.startswith(verdict) and cell in first and "(read from the table)" in first, first


def test_a_result_cell_is_read_in_the_terms_of_screening():
    assert _verdict("Possible match, cleared as false positive on 28 August 2026") == "Yes."
    assert _verdict("Possible match, escalated") == "Not yet."
    assert _verdict("Confirmed match: BIS Entity List") == "No."
    assert _verdict("No match") == "Yes."
    assert _verdict("Joanna Okafor") is None
