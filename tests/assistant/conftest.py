"""A real index of the five articles plus a document with planted instructions, built once for these tests."""

from __future__ import annotations

import pytest

from assistant.answer import get_assistant
from assistant.settings import AssistantSettings
from ingest.pipeline import run
from tests.helpers import CORPUS, ROOT

PLANTED = ROOT / "tests" / "fixtures" / "planted"


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> AssistantSettings:
    """Settings of an index built with the bundled model from corpus/ and the planted-instruction fixture."""
    settings = AssistantSettings(home=tmp_path_factory.mktemp("assistant-state"))
    report = run([CORPUS, PLANTED], settings)
    assert report.exit_code == 0 and len(report.added) == 6, report
    return settings


@pytest.fixture(scope="session")
def assistant(seed_settings):
    return get_assistant(seed_settings)


@pytest.fixture(scope="session")
def doc_text(assistant):
    cache: dict[str, str] = {}

    def text(doc_id: str) -> str:
        if doc_id not in cache:
            cache[doc_id] = assistant.index.document(doc_id)["text"]
        return cache[doc_id]
    return text
