"""A re-ingest or a full rebuild in the middle of an answer (issue 13): the answer comes whole from the version it
started on (its lease holds the purge, and the rebuild waits for it), or, when that version was wiped under it (its
lease expired), whole from the new one, never from a mix or from a store dropped underneath.

Each test ingests from inside `Assistant.context`, after the request has pinned its version and before it retrieves.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from assistant.answer import Assistant
from ingest import generations
from ingest.pipeline import run
from tests.helpers import CORPUS

MEMO = "memo-penang-register"
HOW_OFTEN = ("every quarter", "every month")
QUESTION = "How often does the compliance office review the Penang lab register?"


def _memo(corpus, version: int) -> None:
    (corpus / f"{MEMO}.md").write_text(
        "---\ntitle: Penang lab register memo\npublisher: Acme Compliance Office\npublished: 2025-06-02\n---\n"
        "The Penang lab keeps a register of every accelerator it benchmarks. The compliance office reviews the Penang "
        f"lab register {HOW_OFTEN[version]}, and each entry names the engineer who ran the benchmark.\n",
        encoding="utf-8")


@pytest.fixture
def setup(tmp_path):
    """(corpus with memo version 0, its settings (hash embedder), an Assistant opened on it, its corpus version)."""
    from assistant.settings import AssistantSettings
    from kernel.settings import CleanSettings, EmbedSettings

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    _memo(corpus, 0)
    s = AssistantSettings(home=tmp_path / "home", embed=EmbedSettings(model="hash"),
                          clean=CleanSettings(offtopic=False))
    version = run([corpus], s).corpus_version
    return corpus, s, Assistant(s), version


def _during_first_context(monkeypatch, action) -> list[int]:
    """Run `action()` inside the first `Assistant.context` call (the request has pinned and leased its version);
    returns the list of generations each context call read."""
    original, seen = Assistant.context, []

    def context(self, *args, **kwargs):
        seen.append(self.index.generation)
        if len(seen) == 1:
            action()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Assistant, "context", context)
    return seen


def _says(answer) -> set[int]:
    text = answer.answer + " ".join(c.quote for c in answer.citations)
    return {v for v, phrase in enumerate(HOW_OFTEN) if phrase in text}


def test_a_request_running_past_the_grace_period_keeps_its_version(setup, monkeypatch):
    """Grace period 0: the re-ingest purges the memo's old chunks at its end, but not those the request's lease
    pins: the answer quotes version 0 under version 0's label."""
    corpus, s, assistant, v0 = setup
    monkeypatch.setattr(generations, "GRACE_S", 0.0)
    _memo(corpus, 1)
    seen = _during_first_context(monkeypatch, lambda: run([corpus], s))
    ans = assistant.ask(QUESTION)
    assert (ans.corpus_version, _says(ans), len(seen)) == (v0, {0}, 1)
    with sqlite3.connect(s.index_dir / "manifest.sqlite") as db:
        assert db.execute("SELECT count(*) FROM retired").fetchone()[0] > 0  # kept for the lease, purged next run
