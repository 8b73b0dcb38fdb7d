"""Front matter has one definition (`ingest.sources_manifest.front_matter`): Markdown reading takes its metadata and
cleaning marks the same lines as removed. Before, clean.py had its own regex: a front matter with no fields, a
fence with spaces before it, or one after a byte-order mark was front matter for one and body text for the other."""

from __future__ import annotations

import pytest

from ingest.clean import clean
from ingest.models import DocMeta, SourceDoc
from ingest.sources_manifest import front_matter, split_front_matter

BODY = ("Exporters must file a transaction report within 15 days of each shipment of controlled sensors. "
        "The report names the consignee, the quantity and the licence number.")
VARIANTS = {
    "plain": f"---\ntitle: Reporting rules\n---\n{BODY}\n",
    "dots and spaces": f"--- \ntitle: Reporting rules\n... \n{BODY}\n",
    "no fields": f"---\n---\n{BODY}\n",
    "indented fences": f" ---\ntitle: Reporting rules\n  ---\n{BODY}\n",
    "byte-order mark": f"\ufeff---\ntitle: Reporting rules\n---\n{BODY}\n",
    "never closed": f"---\ntitle: Reporting rules\n{BODY}\n",
    "not at the start": f"{BODY}\n---\ntitle: Reporting rules\n---\n",
}
HAS_FRONT_MATTER = {"plain", "dots and spaces", "no fields", "indented fences", "byte-order mark"}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_cleaning_and_markdown_reading_agree_on_front_matter(name):
    text = VARIANTS[name]
    _, body, _ = split_front_matter(text)
    doc = SourceDoc(doc_id="t", source="t.md", fmt="md", text=text, meta=DocMeta(), content_hash="x")
    removed = [r for r in clean(doc).removed if r.reason == "front matter"]
    assert (body != text) is (name in HAS_FRONT_MATTER)
    assert bool(removed) is (name in HAS_FRONT_MATTER)
    if removed:  # the removal covers exactly what reading skips: up to the body
        assert text[max(r.raw_end for r in removed):].strip() == body.strip()


def test_front_matter_span_and_fields():
    inner, end = front_matter("---\ntitle: T\ndate: 2025-06-02\n---\nBody.\n")
    assert inner == "title: T\ndate: 2025-06-02" and end == len("---\ntitle: T\ndate: 2025-06-02\n---\n")
    assert front_matter("---\ntitle: T\n---") == ("title: T", len("---\ntitle: T\n---"))
    assert front_matter("title: T\n---\n") is None and front_matter("---") is None
    meta, body, problem = split_front_matter("--- \ntitle: T\ndate: 2025-06-02\n...\n\nBody.\n")
    assert (meta.title, meta.published, body, problem) == ("T", "2025-06-02", "Body.\n", None)
