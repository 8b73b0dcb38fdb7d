"""The answerability model: which fitted file decides for which embedder, its arithmetic, and the answer types."""

from __future__ import annotations

import json
import math

import pytest

from assistant import answerability
from assistant.answerability import MODEL, Model, expected_type, holds_type, load, model_path, own_path
from assistant.question import analyze
from kernel.settings import BUNDLED_MODEL, MULTILINGUAL_MODEL


def test_the_default_embedder_uses_the_shipped_model():
    assert own_path(BUNDLED_MODEL) == MODEL
    assert model_path(BUNDLED_MODEL) == MODEL
    assert load(MODEL) is not None, "the shipped model must load"


def test_another_embedder_has_its_own_file_name():
    assert own_path(MULTILINGUAL_MODEL).name == "answerability.multilingual-e5-small.json"
    assert own_path("/models/My Model/").name == "answerability.My-Model.json"
    assert own_path("/").name == "answerability.custom.json"


def test_an_embedder_without_a_fitted_model_falls_back_to_the_default(tmp_path, monkeypatch):
    monkeypatch.setattr(answerability, "MODEL", tmp_path / "answerability.json")
    assert model_path("some/local-model") == tmp_path / "answerability.json"
    (tmp_path / "answerability.local-model.json").write_text("{}")
    assert model_path("some/local-model") == tmp_path / "answerability.local-model.json"


def test_the_settings_hash_follows_the_embedders_model(tmp_path, monkeypatch):
    """Answers record which fitted model decided: a model fitted for the embedder changes the hash."""
    from assistant.settings import AssistantSettings

    shipped = json.loads(MODEL.read_text())
    monkeypatch.setattr(answerability, "MODEL", tmp_path / "answerability.json")
    (tmp_path / "answerability.json").write_text(json.dumps(shipped))
    load.cache_clear()
    s = AssistantSettings(home=tmp_path, embed={"model": MULTILINGUAL_MODEL})
    before = s.settings_hash
    own = dict(shipped, threshold=shipped["threshold"] + 0.1)
    (tmp_path / "answerability.multilingual-e5-small.json").write_text(json.dumps(own))
    load.cache_clear()
    after = AssistantSettings(home=tmp_path, embed={"model": MULTILINGUAL_MODEL}).settings_hash
    load.cache_clear()
    assert before != after


def test_probability_is_the_logistic_of_the_standardised_sum():
    m = Model(("a", "b"), (1.0, 0.0), (2.0, 1.0), (0.5, -1.0), 0.25, 0.5, "x")
    z = 0.25 + 0.5 * (3.0 - 1.0) / 2.0 - 1.0 * (1.0 - 0.0) / 1.0
    assert m.probability({"a": 3.0, "b": 1.0}) == pytest.approx(1 / (1 + math.exp(-z)))
    assert m.probability({"a": 1e9, "b": -1e9}) == pytest.approx(1.0)   # clipped, no overflow


def test_a_missing_model_file_loads_as_none(tmp_path):
    assert load(tmp_path / "nothing.json") is None


@pytest.mark.parametrize("question, kind", [
    ("How many Ascend 910C units does Huawei plan to ship?", "number"),
    ("When did the Commerce Department issue the guidance?", "date"),
    ("Who wrote the Cryptopolitan article?", "person"),
    ("Where is the lab located?", "place"),
    ("Does using Ascend chips violate export controls?", None),
])
def test_expected_answer_type(question, kind):
    assert expected_type(analyze(question)) == kind


def test_a_number_answer_must_count_what_was_asked():
    q = analyze("How many Ascend 910C units does Huawei plan to ship?")
    assert holds_type(q, "number", "Huawei plans to ship 653,000 units of the Ascend 910C this year.")
    assert not holds_type(q, "number", "Huawei raised 5 concerns about the guidance.")


def test_a_date_answer_must_be_new_to_the_question():
    q = analyze("What happened on May 13, 2025?")
    assert not holds_type(q, "date", "On May 13, 2025 the rule was rescinded.")
    q = analyze("When was the rule rescinded?")
    assert holds_type(q, "date", "On May 13, 2025 the rule was rescinded.")
