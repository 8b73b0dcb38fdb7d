"""A record's own correction of a field leads the answer, and a rule about the class the record first gave the product
does not reach it after the correction (stop 24's trial: "What is the ECCN of the MX-220?" was answered with the
record's withdrawn "ECCN: 3A090.a", and "… ship 50 MX-220 modules to Vietnam next month. Do we need a licence
determination?" got "Yes." from a rule about 3A090 items)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.engines.corrections import collect
from tests.assistant.test_bottom_line import indexed

RECORD = ("CLASSIFICATION RECORD CR-2026-0112\nMeridian Semiconductor Pte Ltd - Trade Compliance\n\n"
          "Product: MX-220 edge inference module\nPart number: MX-220-EM, hardware revision B\n"
          "Classified by: Joanna Okafor, Trade Compliance Analyst\nDate of determination: 9 March 2026\n"
          "ECCN: 3A090.a\nTechnical basis: Total processing performance (TPP) of 4,960 as stated in datasheet "
          "DS-MX220 v1.0.\n\nCORRECTION ENTRY 1\nDate of correction: 2 June 2026\n"
          "Entered by: Joanna Okafor, Trade Compliance Analyst\nField corrected: ECCN\nPrevious value: 3A090.a\n"
          "Corrected value: EAR99\nReason: production silicon measured at a TPP of 1,520.\n")
MEMO = ("Handling of 3A090 items\nDate: 3 March 2026\n\n3. Shipments of items classified under ECCN 3A090 to Vietnam, "
        "Thailand or Malaysia require a licence determination by the Trade Compliance team before the goods leave "
        "the warehouse.\n")
# the same record, never corrected
UNCORRECTED = RECORD.split("\n\nCORRECTION")[0].replace("CR-2026-0112", "CR-2026-0113").replace("MX-220", "MX-330") \
    .replace("DS-MX220", "DS-MX330") + "\n"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("corr"), {"cr-2026-0112.txt": RECORD, "memo.txt": MEMO,
                                                      "cr-2026-0113.txt": UNCORRECTED})


def test_the_entry_is_read_from_its_date_line_to_its_corrected_value():
    rows = [{"doc_id": "d", "chunk_id": "d:0", "start": 100, "end": 100 + len(RECORD), "text": RECORD}]
    (c,) = collect(rows, {"d": {}})
    assert (set(c.field), c.value, c.date) == ({"eccn"}, "EAR99", "2 June 2026")
    assert c.unit.text.startswith("Date of correction: 2 June 2026") and c.unit.text.endswith("Corrected value: EAR99")
    assert RECORD[c.unit.start - 100:c.unit.end - 100] == c.unit.text  # document offsets


def test_the_corrected_value_leads_and_the_field_as_first_written_follows(settings):
    ans = answer("What is the ECCN of the MX-220 edge inference module?", settings=settings)
    first, second = ans.answer.split("\n")[:2]
    assert first.startswith("EAR99, corrected on 2 June 2026, per CLASSIFICATION RECORD CR-2026-0112"), ans.answer
    assert "Corrected value: EAR99" in first and "[1]" in first
    assert second.startswith("Before that, ") and "ECCN: 3A090.a" in second and "[2]" in second
    assert [c.doc_id for c in ans.citations[:2]] == ["cr-2026-0112", "cr-2026-0112"]


def test_an_uncorrected_record_is_answered_from_its_field(settings):
    ans = answer("What is the ECCN of the MX-330 edge inference module?", settings=settings)
    assert ans.answer.startswith("3A090.a, per CLASSIFICATION RECORD CR-2026-0113"), ans.answer
    assert "EAR99" not in ans.answer


def test_a_rule_about_the_first_class_does_not_reach_the_product_after_the_correction(settings):
    ans = answer("We plan to ship 50 MX-220 edge inference modules to a distributor in Vietnam next month. Do we need "
                 "a licence determination by Trade Compliance first?", settings=settings)
    lines = ans.answer.split("\n")
    assert lines[0] == "Not under this rule: it is about 3A090, and the MX-220 has been classified EAR99 since 2 June " \
                       "2026.", ans.answer
    assert "Corrected value: EAR99” [1]" in lines[1] and "ECCN 3A090 to Vietnam" in lines[2]
    assert not ans.answer.startswith("Yes")


def test_a_case_before_the_correction_and_an_uncorrected_product_keep_the_rule(settings):
    before = answer("We shipped 50 MX-220 modules to Vietnam on 15 April 2026. Did that shipment need a licence "
                    "determination by Trade Compliance?", settings=settings)
    assert not before.answer.startswith("Not under this rule"), before.answer
    other = answer("We plan to ship 50 MX-330 modules to Vietnam next month. Do we need a licence determination by "
                   "Trade Compliance first?", settings=settings)
    assert not other.answer.startswith("Not under this rule"), other.answer
