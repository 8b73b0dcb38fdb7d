"""The report's risk–coverage chart and table (from answers' answerability) and its per-kind / per-tag breakdown,
on synthetic result rows."""

from __future__ import annotations

import json

import pytest

from evals import breakdown, report, risk_coverage

# (probability, answerable, correct when answered); the operating threshold is 0.5: below it the row abstained.
SPEC = [(0.95, True, True), (0.90, True, True), (0.80, True, False), (0.70, False, False), (0.60, True, True),
        (0.45, True, False), (0.40, False, False), (0.30, False, False), (0.20, True, False), (0.10, False, False)]


def rows(spec=SPEC, threshold: float = 0.5, with_field: bool = True) -> list[dict]:
    out = []
    for i, (p, answerable, correct) in enumerate(spec):
        abstained = p < threshold
        answer = {"answer": "x", "abstained": abstained, "citations": [], "timings_ms": {"total": 1.0}}
        if with_field:
            answer["answerability"] = {"answerable": not abstained, "probability": p, "threshold": threshold}
        out.append({"id": f"c{i}", "answerable": answerable, "abstained": abstained,
                    "correct": correct and answerable and not abstained, "answer": answer})
    return out


def test_the_operating_point_counts_answers_and_abstentions():
    result = risk_coverage.curve(rows())
    op = result["operating"]
    assert result["operating_threshold"] == 0.5 and result["n"] == 10
    assert op["coverage"] == pytest.approx(0.5)               # 0.95, 0.90, 0.80, 0.70, 0.60
    assert op["correct_answers"] == pytest.approx(0.3)         # 0.95, 0.90, 0.60
    assert op["accuracy_answered"] == pytest.approx(0.6)       # 3 of 5
    assert op["correct_abstention"] == pytest.approx(0.75)     # 0.40, 0.30, 0.10 of 0.70, 0.40, 0.30, 0.10
    assert op["false_abstention"] == pytest.approx(2 / 6)      # 0.45, 0.20 of six answerable
    assert op["unscored"] == 0
    assert result["actual"]["coverage"] == op["coverage"]     # here only the threshold made answers abstain


def test_as_answered_differs_when_something_else_abstains():
    data = rows()
    data[0]["abstained"] = True  # 0.95 abstained for another reason
    data[0]["correct"] = False
    result = risk_coverage.curve(data)
    assert result["operating"]["coverage"] == pytest.approx(0.5) and result["actual"]["coverage"] == pytest.approx(0.4)
    assert result["actual"]["false_abstention"] == pytest.approx(3 / 6)


def test_the_sweep_runs_from_everything_answered_to_nothing():
    result = risk_coverage.curve(rows())
    by_t = {p["threshold"]: p for p in result["table"]}
    assert by_t[0.0]["coverage"] == 1.0 and by_t[0.0]["correct_abstention"] == 0.0
    assert by_t[0.0]["unscored"] == 2                          # answerable, abstained at 0.5, answered at 0.0
    assert by_t[0.0]["correct_answers"] == pytest.approx(0.3)  # they count as not correct: a lower bound
    assert by_t[1.0]["coverage"] == 0.0 and by_t[1.0]["accuracy_answered"] is None
    assert by_t[1.0]["false_abstention"] == 1.0 and by_t[1.0]["correct_abstention"] == 1.0
    assert by_t[0.9]["accuracy_answered"] == 1.0               # 0.95 and 0.90, both correct
    coverages = [p["coverage"] for p in sorted(result["sweep"], key=lambda p: p["threshold"])]
    assert coverages == sorted(coverages, reverse=True) and coverages[-1] == 0.0
    table = risk_coverage.table(result)
    assert sum(line.startswith("| **0.50**") for line in table) == 1 and len(table) == 2 + 11


def test_no_answerability_no_curve():
    assert risk_coverage.curve(rows(with_field=False)) is None
    assert risk_coverage.section([("golden", "extractive", {"cases": rows(with_field=False)})], None) == ([], {})


def fake_results(cases: list[dict]) -> dict:
    return {"created": "2026-11-30T00:00:00.000Z", "engines": ["extractive"], "mode": "in-process",
            "suites": {"clapnq": {"extractive": {"summary": {"accuracy": 0.5}, "cases": cases, "n_cases": len(cases),
                                                 "cases_digest": "d", "stamp": {}}}}}


def test_report_draws_the_chart_and_prints_the_table(tmp_path):
    written = report.write(tmp_path / "run", fake_results(rows()))
    md = (tmp_path / "run" / "report.md").read_text()
    name = risk_coverage.file_name("clapnq", "extractive")
    assert (tmp_path / "run" / name).stat().st_size > 0
    assert "## Risk–coverage of the answerability decision" in md and f"]({name})" in md
    assert "| threshold | coverage | correct abstention | false abstention ↓ | accuracy of answered |" in md
    assert written["risk_coverage"]["clapnq / extractive"]["operating"]["coverage"] == pytest.approx(0.5)
    assert "risk_coverage" in json.loads((tmp_path / "run" / "results.json").read_text())


def test_report_without_answerability_skips_the_chart_quietly(tmp_path):
    written = report.write(tmp_path / "run", fake_results(rows(with_field=False)))
    assert "Risk–coverage" not in (tmp_path / "run" / "report.md").read_text()
    assert not list((tmp_path / "run").glob("risk_coverage_*.png")) and "risk_coverage" not in written


def golden_row(kind: str, answerable: bool, correct: bool, tags=(), facts: int = 1) -> dict:
    return {"id": f"{kind}-{len(tags)}-{correct}", "kind": kind, "answerable": answerable, "abstained": not correct,
            "correct": correct, "key_facts": facts if answerable else 0,
            "key_facts_found": facts if correct else 0, "violations": [], "citations": 1 if correct else 0,
            "citations_valid": 1 if correct else 0, "citations_precise": 1 if correct else 0,
            "sources_ok": correct, "bottom_line_ok": None, "warnings_expected": False, "warnings_missing": [],
            "pages_ok": None, "tags": list(tags), "answer": {"timings_ms": {"total": 1.0}}}


def test_breakdown_by_kind_and_tag():
    data = [golden_row("fact", True, True), golden_row("fact", True, False, ["issue-9"]),
            golden_row("unanswerable", False, False)]
    groups = breakdown.groups(data)
    assert list(groups) == ["fact", "unanswerable", "tag issue-9", "untagged"]
    summaries = breakdown.summaries(data)
    assert summaries["fact"]["cases"] == 2 and summaries["fact"]["correct"] == 1
    assert summaries["fact"]["key_fact_recall"] == 0.5 and summaries["unanswerable"]["key_fact_recall"] is None
    assert summaries["tag issue-9"]["accuracy"] == 0.0 and summaries["untagged"]["accuracy"] == 1.0
    table = breakdown.table(data)
    assert table[0].startswith("| group | cases | correct | accuracy") and len(table) == 2 + 4
    assert breakdown.section([("clapnq", "x", {"cases": rows()})]) == []  # not a key-fact suite


def test_breakdown_command_prints_a_runs_tables(tmp_path, capsys):
    path = tmp_path / "results.json"
    data = [golden_row("fact", True, True), golden_row("fact", True, False, ["issue-9"])]
    path.write_text(json.dumps({"suites": {"golden": {"extractive": {"cases": data}}}}), encoding="utf-8")
    assert breakdown.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "### golden / extractive" in out and "| tag issue-9 | 1 | 0 |" in out and "| untagged | 1 | 1 |" in out
    assert breakdown.main([str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read")
