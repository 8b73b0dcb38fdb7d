"""Markdown runbooks: code blocks and configuration lines are content; heading and fence markup never is."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import chunk, sentences
from ingest.clean import clean
from ingest.load import load_file
from tests.fakes import HashEmbedder
from tests.ingest.test_clean import assert_verbatim

RUNBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "runbook" / "screening-runbook.md"
CODE = ["export SCREEN_MODE=strict", "export SCREEN_LISTS=ofac,eu,uk", "MATCH_THRESHOLD=0.82", "MAX_CANDIDATES=25",
        "systemctl restart screening.service", "journalctl -u screening.service --since today"]


def _cleaned():
    [doc] = load_file(RUNBOOK, RUNBOOK.parent, 10**6)
    return doc, clean(doc)


def test_code_blocks_and_configuration_lines_are_kept():
    doc, cleaned = _cleaned()
    lines = cleaned.text.split("\n")
    assert [c for c in CODE if c not in lines] == [], cleaned.text
    assert not {r.reason for r in cleaned.removed} & {"page furniture", "page header", "trailing boilerplate"}
    assert "Escalate to the on-call compliance engineer when two consecutive runs fail." in cleaned.text
    assert_verbatim(doc, cleaned)


def test_heading_and_fence_markup_never_reach_the_cleaned_text():
    _, cleaned = _cleaned()
    assert "#" not in cleaned.text and "```" not in cleaned.text and "~~~" not in cleaned.text
    assert {"Configuration", "Restarting the job"} <= set(cleaned.text.split("\n"))
    assert cleaned.meta.title == "Sanctions screening runbook"
    assert {"heading markup", "code fence"} <= {r.reason for r in cleaned.removed}


def test_each_configuration_line_is_a_sentence_of_its_own_in_a_chunk():
    _, cleaned = _cleaned()
    spans = {cleaned.text[s:e] for s, e in sentences(cleaned.text)}
    assert "export SCREEN_MODE=strict" in spans and "MATCH_THRESHOLD=0.82" in spans
    text = "\n".join(c.text for c in chunk(cleaned, HashEmbedder()))
    assert all(c in text for c in CODE)
