"""A process that answers keeps answering, from the new corpus, after another process re-ingests it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from assistant.answer import answer
from assistant.settings import AssistantSettings
from tests.helpers import CORPUS, ROOT

pytestmark = pytest.mark.model


def test_answers_follow_a_reingest_by_another_process(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    home = tmp_path / "state"

    def ingest() -> None:
        done = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--home", str(home), "--quiet"],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr

    ingest()
    settings = AssistantSettings(home=home)
    first = answer("Is testing a Huawei Ascend 910D in Malaysia a violation?", settings=settings)
    assert not first.abstained
    (corpus / "memo-penang-lab.md").write_text(
        "---\ntitle: Penang lab screening memo\npublisher: Acme Compliance Office\npublished: 2025-06-02\n---\n"
        "The Penang lab keeps a register of every accelerator it benchmarks. The register is reviewed by the "
        "compliance office every quarter, and each entry names the engineer who ran the benchmark.\n", encoding="utf-8")
    ingest()
    after = answer("Who reviews the register of accelerators the Penang lab benchmarks?", settings=settings)
    assert after.corpus_version != first.corpus_version
    assert not after.abstained and any(c.doc_id == "memo-penang-lab" for c in after.citations)
    again = answer("Is testing a Huawei Ascend 910D in Malaysia a violation?", settings=settings)
    assert not again.abstained and again.answer.startswith("Yes.")
