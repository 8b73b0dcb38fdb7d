"""ingest.html_text: an HTML page read to its article text and metadata (trafilatura), the page's declared charset,
and the blocks left out listed with a reason; from pages written here (no files, no model)."""

from __future__ import annotations

import pytest

from ingest.html_text import MAX_DROPPED, _decode, _tree, dropped_blocks, read_html
from ingest.models import Dropped
from kernel.errors import InputError

PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="windows-1252"><title>Chip rules tighten</title>
<meta name="author" content="Jane Roe"><meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2025-05-14T09:00:00Z"></head><body>
<nav class="main-nav"><ul><li>Home</li><li>Markets</li><li>Business</li></ul></nav>
<article><h1>Chip rules tighten</h1>
<p>The Commerce Department issued guidance on Tuesday stating that the use of Ascend chips anywhere in the world
violates export controls.</p>
<p>Officials in Liège said the Department’s guidance applies to every company that buys the chips, wherever it is based, and that
penalties could follow.</p>
<p>Analysts in Singapore and Kuala Lumpur said the rule would be hard to enforce in practice across the region.</p>
</article>
<div class="cookie-consent">We use cookies to improve your experience. Accept all cookies</div>
<aside><p>Most read this week in tech</p></aside>
<footer><div class="share-tools"><p>Send this to a colleague</p></div>
<p>Copyright 2025 The Daily Ledger. All rights reserved.</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def page():
    parsed, warnings = read_html(PAGE.encode("cp1252"))
    assert warnings == [] and len(parsed) == 1
    return parsed[0]


def test_the_article_text_is_kept_and_the_page_chrome_is_not(page):
    assert page.text.startswith("Chip rules tighten\nThe Commerce Department issued guidance on Tuesday")
    assert "Officials in Liège said the Department’s guidance" in page.text and "hard to enforce in practice" in page.text
    assert "cookies" not in page.text and "Copyright" not in page.text and "Markets" not in page.text


def test_metadata_comes_from_the_page(page):
    m = page.meta
    assert (m.title, m.author, m.publisher, m.published, m.language) == (
        "Chip rules tighten", "Jane Roe", "The Daily Ledger", "2025-05-14", "en")  # "en-GB" -> "en"


def test_a_page_that_is_not_utf8_is_decoded_by_its_declared_charset(page):
    assert page.encoding == "cp1252"
    assert _decode('<meta charset="windows-1252">café'.encode()) == ('<meta charset="windows-1252">café', "utf-8")
    assert _decode(b'<meta charset="no-such-codec">caf\xe9')[0].endswith("café")  # falls back to detection


def test_dropped_blocks_name_their_reason_in_page_order(page):
    assert page.dropped == (
        Dropped("navigation menu", "Home · Markets · Business"),
        Dropped("cookie banner", "We use cookies to improve your experience. Accept all cookies"),
        Dropped("related links", "Most read this week in tech"),
        Dropped("share widget", "Send this to a colleague"),  # the nearest hint, not the footer around it
        Dropped("page footer", "Copyright 2025 The Daily Ledger. All rights reserved."),
    )


def test_dropped_blocks_are_cut_and_capped():
    items = "".join(f"<div class='x{i}'><p>{'filler ' * 80}{i}</p></div><p>kept {i}</p>" for i in range(MAX_DROPPED + 50))
    tree = _tree(f"<html><body>{items}</body></html>")
    dropped = dropped_blocks(tree, " ".join(f"kept {i}" for i in range(MAX_DROPPED + 50)))
    assert len(dropped) == MAX_DROPPED
    assert all(len(d.text) <= 300 for d in dropped) and dropped[0].text.endswith("…")
    assert dropped_blocks(tree, "", title=None)[0].reason == "not the main text"


@pytest.mark.parametrize("data", [b"", b"<html><body></body></html>", b"<html><body><p>   </p></body></html>"])
def test_a_page_without_article_text_is_an_input_error(data):
    with pytest.raises(InputError, match="no article text found in HTML"):
        read_html(data)
