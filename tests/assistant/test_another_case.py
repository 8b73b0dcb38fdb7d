"""A rule said of another record is no rule for the case asked (this stop's newcomer trial: "Did SH-2026-0315 need to
be reported …?" and "We plan to ship 12 MX-400 cards … on 15 October 2026. Do we need to report it?" both got "Yes."
quoting "Ravi Menon must report SH-2026-0322 to the Export Control Board by 18 September 2026")."""

from __future__ import annotations

import pytest

from assistant.engines.cases import another_case

DUTY = "Ravi Menon must report SH-2026-0322 to the Export Control Board by 18 September 2026"


@pytest.mark.parametrize("clause,asked,expected", [
    (DUTY, {"SH-2026-0315"}, True),
    (DUTY, {"MX-400", "Lumen"}, True),
    (DUTY, {"SH-2026-0322"}, False),
    ("the shipment is reported to the Board under paragraph 4 of memo EC-2026-007", set(), False),
    ("Testing is permitted only under export licence EL-2026-0417", set(), False),
    ("the late report goes on the agenda of meeting ECB-2026-11", set(), False),
    ("Any shipment exceeding 10 units of a 3A090 item must be reported", set(), False),
])
def test_an_identifier_the_rule_is_said_of_that_the_question_does_not_name(clause, asked, expected):
    assert another_case(clause, asked) is expected
