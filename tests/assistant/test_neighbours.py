"""Units read with their neighbours (assistant.neighbours): offsets and text stay one verbatim span of the chunk."""

from __future__ import annotations

import pytest

from assistant.models import Hit, Unit
from assistant.neighbours import following, holding, joined, preceding

TEXT = "The guidance was issued. The agency said on Tuesday (May 13) that it acts.\nA third sentence here."


def _units():
    h = Hit(chunk_id="c1", doc_id="d", text=TEXT, start=100, end=100 + len(TEXT), score=1.0)
    spans = [(0, 24), (25, 74), (75, len(TEXT))]
    return [Unit(hit=h, start=100 + a, end=100 + b, text=TEXT[a:b]) for a, b in spans]


def test_following_and_preceding_are_the_adjacent_sentences_of_the_chunk():
    a, b, c = _units()
    assert following(a, [c, b, a]) is b and following(b, [a, b, c]) is c and following(c, [a, b, c]) is None
    assert preceding(b, [c, b, a]) is a and preceding(a, [a, b, c]) is None
    other = Unit(hit=Hit(chunk_id="c2", doc_id="d", text=TEXT, start=100, end=200, score=1.0), start=125,
                 end=174, text=TEXT[25:74])
    assert following(a, [other]) is None  # another chunk's unit at the same offsets is no neighbour


def test_joined_is_one_verbatim_span_and_refuses_units_out_of_order():
    a, b, _ = _units()
    both = joined(a, b)
    assert (both.start, both.end) == (a.start, b.end) and both.text == TEXT[0:74]
    with pytest.raises(ValueError):
        joined(b, a)


def test_holding_finds_the_unit_whose_text_holds_a_quoted_claim():
    units = _units()
    assert holding("the agency said on Tuesday (May 13) that it acts", units) is units[1]
    assert holding("Nothing like this appears in any of them at all", units) is None
    assert holding("short", units) is None  # too short to tell one sentence from another
