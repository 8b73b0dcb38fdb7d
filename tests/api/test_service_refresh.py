"""When the API moves its opened Assistant to the corpus version published now (`Assistant.refresh`): once per answer
(the answer itself, when it starts), and for what reads the opened version directly (the document listing, one
document, /readyz's counts, the filters' publishers); not on every request, as `Service.require` did (three times
per /v1/ask). The app runs in process over a fast index (hash embedder)."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from assistant.answer import Assistant
from tests.faults.conftest import fast_server_settings
from tests.helpers import CORPUS

QUESTION = "What did the guidance say about Huawei Ascend chips?"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(a client of the app, the corpus folder it was built from, its settings)."""
    from assistant.api.app import create_app
    from ingest.pipeline import run

    tmp = tmp_path_factory.mktemp("refresh")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = fast_server_settings(tmp / "home", tmp)
    assert run([corpus], settings).exit_code == 0
    app = create_app(settings, load=False)
    app.state.service.load()
    assert app.state.service.state == "ready", app.state.service.error
    app.state.audit.start()
    with TestClient(app) as client:
        yield client, corpus, settings
    app.state.audit.close()


@pytest.fixture
def refreshes(monkeypatch) -> list[int]:
    """Grows by one at each `Assistant.refresh` call."""
    calls: list[int] = []
    original = Assistant.refresh

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(Assistant, "refresh", counted)
    return calls


def test_an_answer_refreshes_once(served, refreshes):
    client, _, _ = served
    r = client.post("/v1/ask", json={"question": QUESTION})
    assert r.status_code == 200, r.text
    assert len(refreshes) == 1
    r = client.post("/v1/ask", json={"question": QUESTION, "filters": {"publisher": ["CGTN"]}})
    assert r.status_code == 200, r.text
    assert len(refreshes) == 3  # the filters' check reads the publishers of the version published now


def test_the_documents_and_the_counts_follow_a_reingest(served, refreshes):
    """A document added by an ingest in between: the listing, the document and /readyz show it at once."""
    from ingest.pipeline import remove, run

    client, corpus, settings = served
    before = client.get("/readyz").json()
    (corpus / "refresh-note.md").write_text("---\ntitle: Refresh note\n---\n\nThe refresh note names the Penang "
                                            "register.\n", encoding="utf-8")
    report = run([corpus], settings)
    try:
        listed = client.get("/v1/documents").json()
        assert "refresh-note" in {d["doc_id"] for d in listed["documents"]}
        assert listed["corpus_version"] == report.corpus_version != before["corpus_version"]
        assert client.get("/v1/documents/refresh-note").status_code == 200
        ready = client.get("/readyz").json()
        assert (ready["documents"], ready["corpus_version"]) == (before["documents"] + 1, report.corpus_version)
        assert refreshes
    finally:
        (corpus / "refresh-note.md").unlink()
        remove(["refresh-note"], settings)
