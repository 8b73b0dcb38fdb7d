"""The UI's HTML and Markdown, without a browser: escaping, chips, marks, comparisons, export."""

from __future__ import annotations

import re

from assistant.api.compare import comparisons
from assistant.ui import render
from assistant.ui.export import to_markdown

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def cite(n: int, doc: str = "d1", quote: str = "the quote", start: int = 0, **kw) -> dict:
    return {"id": n, "doc_id": doc, "quote": quote, "start": start, "end": start + len(quote), "title": "T",
            "publisher": "P", "published": "2025-05-14", "url": None, "also_in": [], **kw}


def answer(text: str, cites: list[dict], **kw) -> dict:
    return {"answer": text, "abstained": False, "citations": cites, "engine": "extractive", "request_id": "r1",
            "corpus_version": "v", "warnings": [], "as_of": "2025-05-14", **kw}


def tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html)}


def test_everything_from_documents_and_people_is_escaped():
    c = cite(1, quote=EVIL, title=EVIL, publisher=EVIL)
    turn = {"question": EVIL, "answer": answer(f"{EVIL} [1] [9]", [c], warnings=[EVIL]), "feedback": None}
    out = render.conversation([turn])
    assert tags(out) <= {"div", "span", "p", "button", "section", "h4", "ul", "li", "blockquote", "code",
                         "strong"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert out.count("class='chip'") == 2  # [1] in the text and in the sources; [9] points nowhere: plain text
    assert "[9]" in out
    doc = {"doc_id": "d1", "title": EVIL, "publisher": EVIL, "published": None, "url": "javascript:alert(3)",
           "text": EVIL + " the quote", "also_in": []}
    panel = render.source_panel(doc, cite(1, quote="the quote", start=len(EVIL) + 1), [], {})
    assert tags(panel) <= {"article", "button", "p", "h3", "dl", "dt", "dd", "span", "div", "mark"}
    assert "<a " not in panel  # a javascript: URL is not made a link
    view = render.document_view({**doc, "removed": [{"raw_start": 0, "raw_end": 5, "reason": EVIL}], "chunks": []})
    assert "<script" not in view and "<img" not in view


def test_the_active_citation_is_marked_at_its_offsets_others_of_the_answer_lightly():
    text = "Alpha one. Beta two. Gamma three."
    a, b = cite(1, quote="Beta two.", start=11), cite(2, quote="Gamma three.", start=21)
    panel = render.source_panel({"doc_id": "d1", "text": text}, a, [b], {})
    assert "<mark class='active' data-cite='1' id='active-mark' tabindex='-1'>Beta two.</mark>" in panel
    assert "<mark class='also' data-cite='2'>Gamma three.</mark>" in panel
    overlapping = cite(3, quote="two. Gamma", start=16)
    assert "data-cite='3'" not in render.source_panel({"doc_id": "d1", "text": text}, a, [overlapping], {})


def test_a_changed_document_is_said_so_and_the_quote_found_where_it_moved():
    moved = render.source_panel({"doc_id": "d1", "text": "New first line. Beta two."}, cite(1, quote="Beta two.",
                                                                                               start=11), [], {})
    assert "<mark class='active' data-cite='1' id='active-mark' tabindex='-1'>Beta two.</mark>" in moved
    gone = render.source_panel({"doc_id": "d1", "text": "Nothing of it."}, cite(1, quote="Beta two.", start=11),
                               [], {})
    assert "<mark" not in gone and "no longer in it" in gone


def test_abstained_answers_are_labelled_and_list_related_passages():
    turn = {"question": "q", "answer": answer("The documents do not say. Nothing about Mars.", [cite(1)],
                                              abstained=True)}
    out = render.answer_block(turn, 1)
    assert "class='answer abstained'" in out and "The documents do not say</span>" in out
    assert "Related, not support" in out and "class='chip'" in out


COMPARED = ("Yes. The Business Times (2025-05-14) reports: “A violates B” [1].\n"
            "CGTN (date not given) words it as a possibility: “A may violate B” [2].\nEvidence:\n"
            "- “X has 10 units” [3] (S1, 2025-01-01)\n- “X has 12 units” [4] (S2, 2024-01-01)\n"
            "The sources conflict: S1 gives 10, S2 gives 12; the newer is first.\n"
            "- “X may be sold” [5] (S1, 2025-01-01)\n- “X is sold” [6] (S2, 2024-01-01)\n"
            "S1 and S2 word this differently: “may” in one, not in the other.")


def test_comparisons_are_read_off_the_forms_the_engines_write():
    cites = [cite(1, publisher="The Business Times"), cite(2, publisher="CGTN"), *(cite(n) for n in range(3, 7))]
    found = comparisons(answer(COMPARED, cites))
    assert [(c["citations"], c["kind"]) for c in found] == [([1, 2], "hedged"), ([3, 4], "conflict"),
                                                          ([5, 6], "worded_differently")]
    assert found[0]["note"] == "CGTN words it as a possibility (“may”); The Business Times states it firmly."
    assert found[1]["note"] == "The sources conflict: S1 gives 10, S2 gives 12; the newer is first."
    assert comparisons(answer("Nothing to compare [1].", cites)) == []
    assert comparisons(answer(COMPARED, cites, abstained=True)) == []
    threshold = ("Yes. S1, 2025-01-01 reports: “above 10 units” [1].\nS2, 2024-01-01 sets another threshold: "
                 "“above 12 units” [2].\nThe sources conflict on the threshold; the newer is given first.")
    [found] = comparisons(answer(threshold, cites[:2]))
    assert {k: found[k] for k in ("citations", "kind", "note")} == {
        "citations": [1, 2], "kind": "conflict", "note": "The sources conflict on the threshold; the newer is given first."}
    assert [(s["citation"], s["source"]) for s in found["sources"]] == [(1, "The Business Times"), (2, "CGTN")]


def test_the_ui_shows_the_comparisons_field_and_does_not_read_the_text():
    cites = [cite(1, publisher="The Business Times"), cite(2, publisher="CGTN", published=None, quote="A may")]
    text = COMPARED.split("\nEvidence")[0]
    unfielded = render.answer_block({"question": "q", "answer": answer(text, cites)}, 1)
    assert "compare-card" not in unfielded  # the text alone is not parsed in the UI any more
    fielded = answer("Yes [1] [2].", cites, comparisons=[{"citations": [1, 2], "kind": "hedged", "note": "How <b>."}])
    out = render.answer_block({"question": "q", "answer": fielded}, 1)
    cards = re.findall(r"<div class='compare-card'>(.*?)</blockquote></div>", out)
    assert len(cards) == 2 and "2025-05-14" in cards[0] and "date not given" in cards[1] and "A may" in cards[1]
    assert "data-kind='hedged'" in out and "How &lt;b&gt;." in out
    broken = answer("Yes [1].", cites, comparisons=[{"citations": [1, 9], "kind": "hedged", "note": "n"}])
    assert "compare-card" not in render.answer_block({"question": "q", "answer": broken}, 1)


def test_a_chip_keeps_to_the_word_before_it_and_the_punctuation_after_it():
    out = render.answer_block({"question": "q", "answer": answer(
        "It violates export controls [1]. Both say so [1] [2], “quoted” [2]” and [7].", [cite(1), cite(2)])}, 1)
    text = [re.sub(r"<button[^>]*>(\[\d\])</button>", r"\1", r) for r in re.findall(
        r"<span class='cite-run'>((?:[^<]|<button[^>]*>[^<]*</button>)*)</span>", out)]
    assert text[:3] == ["controls [1].", "so [1] [2],", "“quoted” [2]”"]
    assert "and [7]." in out  # a marker with no citation is text


def test_abstention_badges_say_why():
    said = answer("The documents do not say. None of the indexed documents answers this question.", [],
                  abstained=True)
    lang = answer("No passage matched this question in Chinese: the documents are searched in English, so they may "
                  "answer it in words this search could not reach. Ask in English for an answer.", [], abstained=True)
    other = answer("Something else.", [], abstained=True)
    assert [render.abstain_label(a) for a in (said, lang, other)] == [
        "The documents do not say", "Not found (question in Chinese)", "No answer found"]
    out = render.answer_block({"question": "q", "answer": lang}, 1)
    assert "Not found (question in Chinese)</span>" in out and "do not say" not in out
    md = to_markdown([{"question": "问题", "answer": lang}])
    assert "**Not found (question in Chinese).**" in md and "do not say" not in md.split("## 1.")[1]
    # the `abstention` field decides when the answer carries it, whatever the wording
    worded = answer("Keine Passage passt.", [], abstained=True)
    assert render.abstain_label({**worded, "abstention": {"reason": "language", "language": "de",
                                                          "name": "German"}}) == "Not found (question in German)"
    assert render.abstain_label({**worded, "abstention": {"reason": "not_in_documents"}}) == "The documents do not say"
    assert render.abstain_label({**worded, "abstention": {"reason": "filters_match_nothing"}}) == \
        "No document matches the filters"


def test_a_source_without_a_publisher_is_named_by_its_title_once():
    c = cite(1, publisher=None, title="Only a title")
    out = render.answer_block({"question": "q", "answer": answer("Yes [1].", [c])}, 1)
    assert "Only a title</span>, <span class='src-date'>2025-05-14</span><" in out
    assert "— Only a title" not in out  # was "Only a title, 2025-05-14 — Only a title"
    md = to_markdown([{"question": "q", "answer": answer("Yes [1].", [c])}])
    assert "[1] Only a title, 2025-05-14 (`d1`" in md and "— Only a title" not in md


def test_markdown_export_has_questions_answers_quotes_sources_and_request_ids():
    turns = [{"question": "Is it <b>allowed</b>?", "filters": {"publisher": ["CGTN"]},
              "answer": answer("No [1].", [cite(1, quote="It is <i>forbidden</i>.\nSecond line.")]),
              "feedback": {"rating": "down", "comment": "wrong"}},
             {"question": "And Mars?", "answer": answer("The documents do not say. Nothing about Mars.\nSee below.",
                                                          [cite(1)], abstained=True, request_id="r2")},
             {"question": "Lines?", "answer": answer("Yes [1].\nCGTN words it as a possibility [1].\nEvidence:\n"
                                                       "- one [1]\n- two [1]\nThe end.", [cite(1)], request_id="r3")},
             {"question": "Broken?", "error": "rate limit reached"}]
    md = to_markdown(turns)
    assert "## 1. Is it &lt;b&gt;allowed&lt;/b&gt;?" in md and "Filters: publisher CGTN" in md
    assert "Request id `r1`" in md and "Request id `r2`" in md
    assert "[1] P, 2025-05-14 — T (`d1`, characters 0–" in md
    assert "> It is &lt;i&gt;forbidden&lt;/i&gt;.\n> Second line." in md
    assert "Feedback: not helpful — wrong" in md
    assert "**The documents do not say.**" in md and "### Related passages (not support)" in md
    mars = md.split("## 2. ")[1].split("## 3. ")[0]
    assert mars.count("do not say") == 1 and "**The documents do not say.** Nothing about Mars.\n\nSee below." in mars
    assert ("Yes [1].\n\nCGTN words it as a possibility [1].\n\nEvidence:\n\n- one [1]\n- two [1]\n\nThe end.\n"
            in md)  # one paragraph a line, the `- ` lines one list
    assert "*Not answered: rate limit reached*" in md


def test_export_button_downloads_the_file_the_link_carries():
    assert "disabled" in render.export_button(None)
    link = render.export_button("# Conversation <b>x</b> 'q'\n")
    assert "download='grounded-conversation.md'" in link and "href='data:text/markdown;charset=utf-8,%23%20" in link
    assert "<b>" not in link and "data-md='# Conversation &lt;b&gt;x&lt;/b&gt; &#x27;q&#x27;" in link


def test_the_ui_shows_each_side_as_the_comparisons_field_names_it():
    """Each card shows the field's `sources`: its source, date and wording (not looked up again in the citations)."""
    cites = [cite(1, publisher="The Business Times"), cite(2, publisher="CGTN", published=None, quote="A may")]
    sides = [{"citation": 1, "doc_id": "d", "source": "Side <one>", "published": "2024-02-03", "wording": "firm <i>"},
             {"citation": 2, "doc_id": "d", "source": "Side two", "published": None, "wording": "hedged"}]
    fielded = answer("Yes [1] [2].", cites, comparisons=[{"citations": [1, 2], "kind": "hedged", "note": "n",
                                                          "sources": sides}])
    cards = re.findall(r"<div class='compare-card'>(.*?)</blockquote></div>",
                       render.answer_block({"question": "q", "answer": fielded}, 1))
    assert len(cards) == 2
    assert "<strong>Side &lt;one&gt;</strong> · 2024-02-03" in cards[0] and "firm &lt;i&gt;" in cards[0]
    assert "<strong>Side two</strong> · date not given" in cards[1] and cards[1].endswith("<blockquote>hedged")
    assert "data-cite='1'" in cards[0] and "data-cite='2'" in cards[1]  # the chips still open their citations
    assert comparisons(answer(COMPARED, [cite(1, publisher="The Business Times"), cite(2, publisher="CGTN"),
                                         *(cite(n) for n in range(3, 7))]))[0]["sources"][1]["source"] == "CGTN"
