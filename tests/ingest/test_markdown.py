"""Markdown runbooks: code blocks and configuration lines are content; heading and fence markup never is."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import chunk
from ingest.clean import clean
from ingest.load import load_file
from kernel.sentences import sentences
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


def test_yaml_lines_of_a_code_block_are_sentences_of_their_own():
    """Issue 14 audit (a newcomer's runbook): the lines of a fenced YAML block ("retry_limit: 4" then
    'alert_channel: "#trade-compliance"') were joined into one quote as if one hard-wrapped sentence, because the
    second starts in lower case. A `key: value` configuration line is code, never joined; prose is still rejoined."""
    from ingest.models import DocMeta, SourceDoc

    text = ("Retries are set in screening.yaml:\n\n```yaml\nretry_limit: 4\nalert_channel: \"#trade-compliance\"\n"
            "feed.timeout: 30s\nlog-level: debug\n```\n\nThe job is escalated to Export Compliance within\n"
            "2 business days of receipt.\n")
    cleaned = clean(SourceDoc(doc_id="r", source="r.md", fmt="md", text=text, meta=DocMeta(), content_hash="h"))
    spans = {cleaned.text[s:e] for s, e in sentences(cleaned.text)}
    assert {"retry_limit: 4", 'alert_channel: "#trade-compliance"', "feed.timeout: 30s", "log-level: debug"} <= spans
    assert "The job is escalated to Export Compliance within 2 business days of receipt." in {
        " ".join(span.split()) for span in spans}
