"""A re-ingest or a full rebuild in the middle of an answer (issue 13): the answer comes whole from the version it
started on (its lease holds the purge, and the rebuild waits for it), or, when that version was wiped under it (its
lease expired), whole from the new one, never from a mix or from a store dropped underneath.

Each test ingests from inside `Assistant.context`, after the request has pinned its version and before it retrieves.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest

from assistant.answer import Assistant
from ingest import generations, manifest_readers
from ingest.index import open_index, read_consistently
from ingest.pipeline import run
from kernel.errors import IndexUnavailableError
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


def _closed(s) -> bool:
    path = s.index_dir / manifest_readers.FILE
    if not path.exists():
        return False
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM fence WHERE name='closed'").fetchone()[0] > 0


def test_a_rebuild_waits_for_the_request_reading_the_old_version(setup, monkeypatch):
    """`--rebuild` started during the request: it refuses new readers of the old version (a request starting now
    gets a clean 503 error, IndexUnavailableError) and drops the store only once the request is done; the answer
    comes whole from version 0, and the next one from the rebuilt version 1."""
    corpus, s, assistant, v0 = setup
    _memo(corpus, 1)
    done, dropped, refused = {}, threading.Event(), []
    from ingest.chroma_store import ChromaStore

    drop = ChromaStore.drop
    monkeypatch.setattr(ChromaStore, "drop", lambda self: (dropped.set(), drop(self))[1])
    rebuild = threading.Thread(target=lambda: done.update(report=run([corpus], s, rebuild=True)))

    def start_rebuild() -> None:
        rebuild.start()
        deadline = time.monotonic() + 120
        while not (_closed(s) or dropped.is_set()) and time.monotonic() < deadline:
            time.sleep(0.05)
        fresh = open_index(s)
        try:
            read_consistently(lambda: (fresh, None), lambda _: "read")
        except IndexUnavailableError as exc:
            refused.append(str(exc))

    _during_first_context(monkeypatch, start_rebuild)
    try:
        ans = assistant.ask(QUESTION)
    finally:
        rebuild.join(180)
    assert (ans.corpus_version, _says(ans)) == (v0, {0})
    assert refused and "being rebuilt" in refused[0]
    assert done["report"].rebuilt and dropped.is_set()
    monkeypatch.undo()
    after = assistant.ask(QUESTION)
    assert after.corpus_version == done["report"].corpus_version != v0 and _says(after) == {1}


def test_a_request_whose_version_a_rebuild_wiped_is_answered_again_from_the_new_one(setup, monkeypatch):
    """The request's lease has expired (life 0 s), so the rebuild does not wait: it drops the store and the manifest
    under the request. The request finds its generation wiped at its end and answers again, whole, from the rebuilt
    version."""
    corpus, s, assistant, v0 = setup
    monkeypatch.setattr(manifest_readers, "LEASE_TTL_S", 0.0)
    _memo(corpus, 1)
    reports = []
    seen = _during_first_context(monkeypatch, lambda: reports.append(run([corpus], s, rebuild=True)))
    ans = assistant.ask(QUESTION)
    assert reports[0].rebuilt and len(seen) == 2 and seen[1] > seen[0]
    assert (ans.corpus_version, _says(ans)) == (reports[0].corpus_version, {1})
