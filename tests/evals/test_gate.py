"""CI gate: the golden suite through answer() with the extractive engine must stay above the floors in evals/."""

from __future__ import annotations

import pytest

from assistant.answer import answer, get_assistant
from assistant.settings import AssistantSettings
from evals.gate import failures, floors
from evals.golden_suite import run
from ingest.pipeline import run as ingest
from tests.helpers import CORPUS


def test_gate_flags_metrics_past_their_floors():
    limits = {"min": {"a": 0.8}, "max": {"b": 0}}
    assert failures({"a": 0.9, "b": 0}, limits) == []
    assert failures({"a": 0.7, "b": 1}, limits) == ["a: 0.7 < 0.8", "b: 1 > 0"]
    assert failures({}, limits) == ["a: None < 0.8", "b: None > 0"]


@pytest.mark.model
def test_golden_suite_meets_its_floors(tmp_path):
    settings = AssistantSettings(home=tmp_path)
    assert ingest([CORPUS], settings).exit_code == 0
    index = get_assistant(settings).index
    rows, summary = run(lambda q, h: answer(q, h, "extractive", settings=settings).as_dict(),
                        lambda d: index.document(d)["text"])
    assert len(rows) >= 40
    assert failures(summary, floors("golden", "extractive")) == [], summary
