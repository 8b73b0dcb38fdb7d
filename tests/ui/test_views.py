"""Where things appear on screen: a new answer's start in view after each send (and while an LLM drafts), the
feedback form by the answer it rates, the export as one download, and the source panel on a phone."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import PHONE, screenshot
from tests.ui.pages import ask, last_answer, open_ui, wait_in_view

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
FOLLOW_UP = "Who issued that guidance?"
UNANSWERABLE = "What is the boiling point of mercury on Mars?"
KESSLER = "Who is the Under Secretary of Commerce for Industry and Security?"
LAPTOP = {"width": 1280, "height": 900}


def _start_in_view(page, what: str):
    """The last turn's question and the first line of its answer are on screen."""
    turn = page.locator("#conversation .turn").last
    assert wait_in_view(page, turn.locator(".question")), f"{what}: the question is out of view"
    first = turn.locator(".answer > p, .answer > .badge").first
    assert wait_in_view(page, first), f"{what}: the start of the answer is out of view"
    return first


def test_each_new_answer_starts_in_view(context, ui_server):
    page = open_ui(context, ui_server.url)
    page.set_viewport_size(LAPTOP)
    ask(page, MISSION)
    assert _start_in_view(page, "first answer").inner_text().startswith("Yes.")
    screenshot(page, "laptop-first-answer")
    ask(page, FOLLOW_UP)
    _start_in_view(page, "follow-up")
    screenshot(page, "laptop-follow-up")
    ask(page, KESSLER)
    _start_in_view(page, "third answer")
    page.locator("#options").click()
    page.locator("#after input, #after textarea").first.fill("2025-13-45")  # an error reply
    ask(page, KESSLER)
    assert "failed" in last_answer(page).get_attribute("class")
    _start_in_view(page, "error reply")
    screenshot(page, "laptop-error-reply")


def test_a_streaming_draft_keeps_its_start_in_view(context, ui_server, slow_llm):
    page = open_ui(context, ui_server.url)
    page.set_viewport_size(LAPTOP)
    for q in (MISSION, FOLLOW_UP):
        ask(page, q)
    page.locator("#options").click()
    page.locator("#engine input").click()
    page.locator("ul[role='listbox'] li", has_text="llm").click()
    page.locator("#options").click()  # closed again
    page.locator("#question textarea").fill(KESSLER)
    page.locator("#question textarea").press("Enter")
    draft = page.locator("#conversation .turn:last-child .answer.streaming .draft")
    draft.wait_for()
    assert wait_in_view(page, page.locator("#conversation .turn").last.locator(".question")), "draft: question"
    verified = page.locator("#conversation .turn:last-child .answer[data-rid]")
    # on a loaded machine the verified answer can replace the draft before the check: then the check below covers it
    assert wait_in_view(page, draft, timeout=10_000) or verified.count(), "draft: its start"
    verified.wait_for(timeout=60_000)
    _start_in_view(page, "verified answer")


def test_rating_opens_the_comment_box_by_the_answer(context, ui_server):
    page = open_ui(context, ui_server.url)
    page.set_viewport_size(LAPTOP)
    first = ask(page, MISSION)
    ask(page, FOLLOW_UP)
    ask(page, KESSLER)
    answer = page.locator(f"#conversation .answer[data-rid='{first.request_id}']")
    rate = answer.locator("button.rate[data-rating='down']")
    rate.scroll_into_view_if_needed()
    rate.click()
    comment = answer.locator(".feedback-form textarea")
    comment.wait_for()
    assert wait_in_view(page, comment), "the comment box is out of view"
    assert wait_in_view(page, answer.locator(".feedback-form")), "the form is not by the answer"
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('.feedback-form textarea')")
    assert first.request_id in answer.locator(".feedback-form").inner_text()
    screenshot(page, "laptop-feedback-form")
    page.keyboard.type("The second quote is off topic <b>here</b>")
    answer.locator("button.send-feedback").click()
    done = answer.locator(".feedback.done")
    done.wait_for()
    assert "not helpful" in done.inner_text() and "<b>here</b>" in done.inner_text()
    assert wait_in_view(page, done)


def test_export_is_one_click_download(page, ui_server, tmp_path):
    ask(page, MISSION)
    ask(page, UNANSWERABLE)
    with page.expect_download() as download:
        page.locator("#export").click()
    assert download.value.suggested_filename == "grounded-conversation.md"
    path = Path(tmp_path / "export.md")
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    second = text.split("## 2. ")[1]
    assert second.count("The documents do not say") == 1, second
    first = text.split("## 1. ")[1].split("## 2. ")[0]
    assert "\n\nCGTN" in first or "\n\n- " in first, first  # the answer's lines are separate paragraphs / items
    assert page.locator("#export-text").count() == 0  # no code view with a download of its own


def test_phone_citation_shows_title_and_passage_and_goes_back(context, ui_server):
    page = open_ui(context, ui_server.url)
    page.set_viewport_size(PHONE)
    asked = ask(page, MISSION)
    chip = page.locator(f"#conversation button.chip[data-rid='{asked.request_id}'][data-cite='2']").first
    chip.scroll_into_view_if_needed()
    chip.click()
    mark = page.locator("#source-panel mark.active[data-cite='2']")
    mark.wait_for()
    assert wait_in_view(page, page.locator("#source-panel .source-title")), "the panel's title is out of view"
    assert wait_in_view(page, mark), "the marked passage is out of view"
    back = page.locator("#source-panel button.back-to-answer")
    assert wait_in_view(page, back), "no Back to answer control in view"
    screenshot(page, "phone-source-drawer")
    back.click()
    assert wait_in_view(page, chip), "Back to answer did not return to the chip"
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('button.chip')")
    assert not wait_in_view(page, page.locator("#source-panel .source-title"), timeout=500)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    screenshot(page, "phone-back-to-answer")
