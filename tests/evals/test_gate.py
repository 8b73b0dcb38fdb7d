"""CI gate: the golden suite (its original cases and the issue-9 cases, each against its own floors), the
compliance_docs suite and the compliance_file suite, through answer() with the extractive engine, must stay past the floors in evals/."""

from __future__ import annotations

import pytest

from assistant.settings import AssistantSettings
from evals import compliance_file_suite, compliance_suite
from evals.gate import failures, floors, gates, select
from evals.golden_suite import summarize
from evals.runner import SUITES, evaluate, product_systems
from ingest.pipeline import run as ingest
from tests.helpers import CORPUS


def test_gate_flags_metrics_past_their_floors():
    limits = {"min": {"a": 0.8}, "max": {"b": 0}}
    assert failures({"a": 0.9, "b": 0}, limits) == []
    assert failures({"a": 0.7, "b": 1}, limits) == ["a: 0.7 < 0.8", "b: 1 > 0"]
    assert failures({}, limits) == ["a: None < 0.8", "b: None > 0"]


def test_floors_select_the_cases_they_were_measured_on():
    rows = [{"id": "old", "tags": []}, {"id": "new", "tags": ["issue-9"]}, {"id": "bare"}]
    assert [r["id"] for r in select(rows, {"cases": {"with_tag": "issue-9"}})] == ["new"]
    assert [r["id"] for r in select(rows, {"cases": {"without_tag": "issue-9"}})] == ["old", "bare"]
    assert select(rows, {}) == rows
    assert set(gates("extractive")) == {"golden", "golden/issue-9", "compliance_docs", "compliance_file"}


@pytest.mark.model
def test_golden_suite_meets_its_floors(tmp_path):
    settings = AssistantSettings(home=tmp_path)
    assert ingest([CORPUS], settings).exit_code == 0
    rows, _ = evaluate(SUITES["golden"], product_systems(settings, ["extractive"])[0], None)
    assert len(rows) >= 40
    for name in ("golden", "golden/issue-9"):
        limits = floors(name, "extractive")
        chosen = select(rows, limits)
        assert chosen, name
        summary = summarize(chosen)
        assert failures(summary, limits) == [], (name, summary)


@pytest.mark.model
def test_compliance_docs_meets_its_floors(tmp_path):
    system = product_systems(AssistantSettings(home=tmp_path), ["extractive"])[0]
    rows, summary = evaluate(SUITES["compliance_docs"], system, None)
    assert len(rows) >= 60 and (tmp_path / "suites" / "compliance_docs").is_dir()
    assert not (tmp_path / "index").exists()  # its own index, never the product's
    assert set(summary["by_kind"]) == set(compliance_suite.KINDS)
    assert sum(k["cases"] for k in summary["by_kind"].values()) == len(rows)
    assert failures(summary, floors("compliance_docs", "extractive")) == [], summary


@pytest.mark.model
def test_compliance_file_meets_its_floors(tmp_path):
    """One company's compliance file that changes over time (corrections, amendments, minutes): stop 25."""
    system = product_systems(AssistantSettings(home=tmp_path), ["extractive"])[0]
    rows, summary = evaluate(SUITES["compliance_file"], system, None)
    assert len(rows) == 79 and (tmp_path / "suites" / "compliance_file").is_dir()
    assert set(summary["by_kind"]) == set(compliance_file_suite.KINDS)
    assert failures(summary, floors("compliance_file", "extractive")) == [], summary
