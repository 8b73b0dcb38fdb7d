"""The documents view, and markup inside an article (the fixture: `<script>` and `<img onerror=…>` in its title,
publisher, link and body) shown as text that never runs, in the answer, the source panel and the documents view."""

from __future__ import annotations

from tests.ui.conftest import screenshot
from tests.ui.pages import ask, in_view, last_answer, open_citation, recorded

FIXTURE = "markup-weekly-penang-notice"
LB7 = "What must a reseller of lithium battery packs file after each shipment?"


def _read(page, doc_id: str):
    page.locator("#documents-tab-button, button[role='tab']:has-text('Documents')").first.click()
    page.locator(f"#documents button.read[data-doc='{doc_id}']").click()
    view = page.locator(f"#document-view article[aria-label='Document {doc_id}']")
    view.wait_for()
    return view


def test_documents_view_lists_documents_with_cleaning_removals(page, ui_server):
    page.locator("button[role='tab']:has-text('Documents')").click()
    rows = page.locator("#documents tbody tr")
    rows.first.wait_for()
    assert rows.count() == 6
    times = rows.filter(has_text="The Business Times")
    assert "2025-05-14" in times.inner_text() and times.locator("td.num").inner_text() == "4"
    view = _read(page, "business-times-commerce-guidance-huawei-ascend")
    removed = view.locator("ul.removed li").all_inner_texts()
    assert [r.split(": ")[-1] for r in removed] == ["date line", "feedback widget"]
    assert "[NEW YORK] The Commerce Department issued guidance" in view.locator(".doc-text").inner_text()
    assert view.locator("details summary").inner_text() == "Chunks (4), by character offsets"
    screenshot(page, "desktop-documents")


def test_markup_in_an_article_is_text_and_never_runs(page, ui_server):
    page.evaluate("() => { window.__grounded_xss = undefined; }")
    page.locator("#question textarea").fill("<img src=x onerror=\"window.__grounded_xss = 'question'\"> " + LB7)
    asked = ask(page, page.locator("#question textarea").input_value())
    cites = recorded(ui_server, asked.request_id)["response"]["citations"]
    # the passage with the <script> (the answer may cite the fixture's <img> passage before it: either order is right)
    script = [c for c in cites if c["doc_id"] == FIXTURE and "<script>" in c["quote"]]
    assert script, cites
    answer = last_answer(page)
    assert "<script>window.__grounded_xss = 'body'</script>" in answer.inner_text()
    mark = open_citation(page, asked.request_id, script[0]["id"])
    assert mark.inner_text() == script[0]["quote"] and in_view(page, mark)
    panel = page.locator("#source-panel")
    assert panel.locator(".source-title").inner_text() == \
        "Penang distributor notice <script>window.__grounded_xss = 'title'</script>"
    assert panel.locator(".publisher").inner_text().startswith("Markup Weekly <img src=x onerror=")
    assert panel.locator("a").count() == 0  # the javascript: link is not a link
    view = _read(page, FIXTURE)
    assert "<img src=x onerror=\"window.__grounded_xss = 'img'\">" in view.locator(".doc-text").inner_text()
    assert page.evaluate("() => window.__grounded_xss") is None
    for where in ("#conversation", "#source-panel", "#document-view", "#documents"):
        assert page.locator(f"{where} img, {where} script").count() == 0, where
    screenshot(page, "desktop-markup-fixture")
