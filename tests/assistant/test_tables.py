"""Answers read from a Markdown table: the row a question names, read with the table's header (stop 25's own trial:
"Was SH-2026-0315 reported to the Board?" got the register's row quoted with no verdict, and before the cleaner
kept tables, "The documents do not mention SH-2026-0315")."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.engines.tables import tables
from assistant.models import Hit
from tests.assistant.test_bottom_line import indexed

REGISTER = ("# Shipment register Q3 2026 (3A090 items)\n\nMaintained by: Ravi Menon, Logistics Manager\n"
            "Last updated: 30 September 2026\n\n"
            "| Shipment | Dispatch date | Customer | Destination | Item | Units | Reported to Board |\n"
            "|---|---|---|---|---|---|---|\n"
            "| SH-2026-0301 | 8 July 2026 | Chao Phraya AI Labs | Bangkok, Thailand | MX-400 | 30 | 10 July 2026 |\n"
            "| SH-2026-0315 | 19 August 2026 | Saigon Compute Cloud | Ho Chi Minh City, Vietnam | MX-400 | 8 | "
            "not reported |\n"
            "| SH-2026-0322 | 2 September 2026 | Lumen Data Systems | Kuala Lumpur, Malaysia | MX-400 | 12 | "
            "not reported |\n\n"
            "Note: SH-2026-0322 was flagged by Trade Compliance on 5 September 2026 for late reporting.\n")
LOG = ("# Restricted-party screening log Q3 2026\n\nLog No.: RPS-LOG-2026-Q3\nMaintained by: Joanna Okafor\n\n"
       "| Screening ref | Date | Party | Country | Result |\n|---|---|---|---|---|\n"
       "| RPS-2026-0141 | 19 June 2026 | Chao Phraya AI Labs Co., Ltd | Thailand | No match |\n"
       "| RPS-2026-0163 | 25 August 2026 | Lumen Data Systems Sdn Bhd | Malaysia | Possible match, cleared as false "
       "positive |\n"
       "| RPS-2026-0170 | 3 September 2026 | Orchid Peak Trading Ltd | Hong Kong, China | Confirmed match: BIS Entity "
       "List |\n"
       "| RPS-2026-0174 | 10 September 2026 | Johor Edge Distribution Sdn Bhd | Malaysia | No match |\n")
MEMO = ("Handling of 3A090 items\nDate: 3 March 2026\n\n4. Any shipment exceeding 25 units of a 3A090 item must be "
        "reported to the Export Control Board within 5 business days.\n")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return indexed(tmp_path_factory.mktemp("tables"), {"shipment-register.md": REGISTER, "memo.txt": MEMO,
                                                        "screening-log.md": LOG})


def test_rows_are_read_with_their_header_once_across_overlapping_chunks():
    text = REGISTER.replace("|---|---|---|---|---|---|---|\n", "")
    a = Hit("r:0", "r", text[:400], 0, 400, 1.0)
    b = Hit("r:1", "r", text[200:], 200, len(text), 1.0)
    (t,) = tables([a, b])
    assert t.header.cells[-1] == "Reported to Board"
    assert [r.cells[0] for r in t.rows] == ["SH-2026-0301", "SH-2026-0315", "SH-2026-0322"]
    assert all(text[r.unit.start:r.unit.end] == r.unit.text for r in t.rows)  # document offsets, verbatim


def test_a_run_of_rows_whose_header_was_not_retrieved_is_not_read_as_a_table():
    """Its first row would be taken for the header: "| RPS-2026-0159 | … | No match |" as the column names."""
    text = REGISTER.replace("|---|---|---|---|---|---|---|\n", "")
    at = text.index("| SH-2026-0301")
    rows_only = Hit("r:1", "r", text[at:], at, len(text), 1.0)
    assert tables([rows_only]) == []
    before = Hit("r:0", "r", text[:at - 1], 0, at - 1, 1.0)  # the chunk that ends with the header row
    (t,) = tables([rows_only, before])
    assert t.header.cells[0] == "Shipment" and len(t.rows) == 3


def test_a_yes_no_question_about_a_row_reads_the_column_it_names(settings):
    ans = answer("Was shipment SH-2026-0315 reported to the Board?", settings=settings)
    first = ans.answer.split("\n")[0]
    assert first.startswith("No. ") and "not reported under Reported to Board" in first, ans.answer
    assert "| SH-2026-0315 |" in ans.answer and "| Shipment | Dispatch date |" in ans.answer
    assert [c.doc_id for c in ans.citations[:2]] == ["shipment-register", "shipment-register"]
    yes = answer("Was SH-2026-0301 reported to the Board?", settings=settings)
    assert yes.answer.startswith("Yes. ") and "as 10 July 2026 under Reported to Board" in yes.answer, yes.answer


def test_a_yes_no_question_naming_another_rows_value_gets_no(settings):
    ans = answer("Was SH-2026-0315 shipped to Malaysia?", settings=settings)
    assert ans.answer.startswith("No. ") and "Ho Chi Minh City, Vietnam under Destination" in ans.answer, ans.answer


def test_a_wh_question_gets_the_cell_of_the_asked_column(settings):
    who = answer("Who is the customer of SH-2026-0322?", settings=settings)
    assert who.answer.startswith("Lumen Data Systems: ") and "under Customer" in who.answer, who.answer
    assert "flagged by Trade Compliance" in who.answer  # what else the documents say about the row
    when = answer("When was SH-2026-0301 dispatched?", settings=settings)
    assert when.answer.startswith("8 July 2026: ") and "under Dispatch date" in when.answer, when.answer


def test_which_rows_are_listed_by_a_name_or_by_the_polarity_of_the_named_column(settings):
    ans = answer("Which shipments were not reported to the Board?", settings=settings)
    assert ans.answer.startswith("SH-2026-0315 and SH-2026-0322, per Shipment register"), ans.answer
    assert "SH-2026-0301" not in ans.answer
    to = answer("Which shipments went to Malaysia?", settings=settings)
    assert to.answer.startswith("SH-2026-0322, per "), to.answer


def test_how_many_units_reads_the_count_column(settings):
    ans = answer("How many MX-400 units were shipped to Vietnam?", settings=settings)
    assert ans.answer.startswith("8 (Units), per Shipment register"), ans.answer


def test_which_rows_list_the_column_the_question_names_filtered_by_a_cell_it_quotes(settings):
    ans = answer("Which parties in the screening log had no match?", settings=settings)
    assert ans.answer.startswith("Chao Phraya AI Labs Co., Ltd and Johor Edge Distribution Sdn Bhd, per "), ans.answer
    assert "Orchid Peak" not in ans.answer.split("\n")[0]


def test_the_rows_and_the_columns_of_a_table_the_question_names(settings):
    ans = answer("How many shipments are listed in the Q3 2026 shipment register?", settings=settings)
    assert ans.answer.startswith("3: SH-2026-0301, SH-2026-0315 and SH-2026-0322, per "), ans.answer
    cols = answer("What columns does the shipment register have?", settings=settings)
    assert cols.answer.startswith("7 columns, per Shipment register Q3 2026 (3A090 items)"), cols.answer
    assert "Dispatch date, Customer, Destination, Item, Units, Reported to Board" in cols.answer


def test_a_question_whether_a_row_needed_something_is_not_read_off_what_was_done(settings):
    """"Did SH-2026-0315 need to be reported?" asks a rule; the register's "not reported" says what was done."""
    ans = answer("Did SH-2026-0315 need to be reported to the Board?", settings=settings)
    assert "under Reported to Board (read from the table)" not in ans.answer.split("\n")[0], ans.answer
