"""assistant.engines.framing: how a bottom line writes a quote (on one line) and names its source (publisher or title,
and date); units built here."""

from __future__ import annotations

from assistant.engines.framing import flat, source
from assistant.models import Hit, Unit


def _unit(meta: dict, doc_id: str = "doc-1") -> Unit:
    hit = Hit(chunk_id=f"{doc_id}:0", doc_id=doc_id, text="x", start=0, end=1, score=1.0, meta=meta)
    return Unit(hit=hit, start=0, end=1, text="x")


def test_flat_joins_hard_wrapped_lines_with_one_space():
    assert flat("The use of Ascend chips\n   anywhere in the world \n\nviolates controls") == \
        "The use of Ascend chips anywhere in the world violates controls"
    assert flat("one line  with  spaces") == "one line  with  spaces"  # only line breaks are touched


def test_source_is_the_publisher_and_date():
    assert source(_unit({"publisher": "The Business Times", "published": "2025-05-14", "title": "T"})) == \
        "The Business Times (2025-05-14)"


def test_without_a_publisher_the_title_cut_to_twelve_words_then_the_id_and_a_missing_date_is_said():
    title = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    assert source(_unit({"title": title})) == \
        "one two three four five six seven eight nine ten eleven twelve (date not given)"
    assert source(_unit({}, doc_id="memo-7")) == "memo-7 (date not given)"
    assert source(_unit({"publisher": None, "title": "  Spaced \n title "})) == "Spaced title (date not given)"
