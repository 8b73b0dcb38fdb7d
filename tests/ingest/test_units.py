"""ingest.units: a chunk's evidence-unit spans are stored at ingest and handed back on read, exactly what splitting the
text gives; spans of another version, or none (an index built before the column), are not used."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ingest import units
from ingest.index import Index
from ingest.manifest import Manifest
from tests.ingest.test_manifest import _doc, old_manifest

TEXTS = [
    "The Commerce Department issued guidance. It says the use of Ascend chips anywhere violates the controls.",
    "## Licence record\nHolder: Kestrel Microsystems\nNumber: EL-2025-0001\nValid until: 2026-01-31\nIt ends then.",
    "- First item of a list. Still the first.\n- Second item\nShort. A sentence of more than four words here.",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_encoded_spans_decode_to_the_split(text):
    assert units.decode(units.encode(text)) == units._split(text)


def test_other_versions_and_nothing_are_not_used():
    text = TEXTS[0]
    flat = json.loads(units.encode(text))
    assert units.decode(json.dumps([units.UNITS_VERSION + 1, *flat[1:]])) is None
    assert units.decode(None) is None and units.decode("") is None and units.decode("[]") is None


def test_remembered_spans_are_what_unit_spans_gives(monkeypatch):
    monkeypatch.setattr(units, "_stored", {})
    text = "A made-up chunk. Its spans are whatever was stored."
    units.remember(text, json.dumps([units.UNITS_VERSION, 0, 5, 6, 10]))
    assert units.unit_spans(text) == ((0, 5), (6, 10))
    units.remember("Another text.", json.dumps([units.UNITS_VERSION + 1, 0, 3]))  # another version: split instead
    assert units.unit_spans("Another text.") == units._split("Another text.")


def test_put_stores_the_spans_and_fill_units_adds_missing_ones(tmp_path):
    man = Manifest(tmp_path / "manifest.sqlite")
    try:
        man.put([_doc("d1", "One sentence here. It refers back to it. Another sentence of words")], "t")
        rows = man.chunk_rows(units=True)
        assert rows and all(units.decode(r["units"]) == units._split(r["text"]) for r in rows)
        assert "units" not in man.chunk_rows()[0], "rows keep their shape unless the spans are asked for"
        man.db.execute("UPDATE chunks SET units=NULL WHERE chunk_id='d1:0'")
        man.db.execute("UPDATE chunks SET units='[999,0,1]' WHERE chunk_id='d1:1'")
        assert man.fill_units() == 2 and man.fill_units() == 0
        assert all(units.decode(r["units"]) == units._split(r["text"]) for r in man.chunk_rows(units=True))
    finally:
        man.close()


def test_an_old_manifest_without_the_column_reads_and_fills(tmp_path):
    man = old_manifest(tmp_path)
    try:
        [row] = man.chunk_rows(units=True)
        assert row["units"] is None
        assert man.fill_units() == 1 and units.decode(man.chunk_rows(units=True)[0]["units"]) == ((0, 5),)
    finally:
        man.close()


def test_index_rows_hand_the_stored_spans_back(tmp_path, monkeypatch):
    monkeypatch.setattr(units, "_stored", {})
    index_dir = tmp_path / "index"
    man = Manifest(index_dir / "manifest.sqlite")
    man.put([_doc("d1", "First sentence of the chunk. Second sentence here")], "t")
    man.db.execute("UPDATE chunks SET units=? WHERE chunk_id='d1:0'", (json.dumps([units.UNITS_VERSION, 0, 5]),))
    man.close()
    index = Index(SimpleNamespace(index_dir=index_dir))  # the manifest only: no vector store or BM25 opened
    [row] = index.chunks(ids=["d1:0"])
    assert "units" not in row
    assert units.unit_spans(row["text"]) == ((0, 5),), "the stored spans are used, not a new split"
