"""The chat as a compliance officer uses it, in Chromium against a real server (conftest.py)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from tests.ui.conftest import PHONE, screenshot
from tests.ui.pages import ask, in_view, last_answer, open_citation, open_ui, recorded, wait_in_view

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
UNANSWERABLE = "What is the boiling point of mercury on Mars?"
KESSLER = "Who is the Under Secretary of Commerce for Industry and Security?"


def test_mission_question_streams_cites_and_highlights_each_quote(page, ui_server, capsys):
    examples = page.locator("#examples button")
    assert examples.first.inner_text().strip() == MISSION  # the mission question is the first example
    runs = [ask(page, MISSION) for _ in range(3)]
    with capsys.disabled():
        for n, run in enumerate(runs, 1):
            print(f"\n[ui timing, extractive, run {n}] Enter → first visible text {run.first_text_ms:.0f} ms; → first "
                  f"answer text {run.first_answer_text_ms:.0f} ms; → complete answer {run.complete_ms:.0f} ms", end="")
        print()
    assert all(0 <= r.first_text_ms <= r.first_answer_text_ms <= r.complete_ms for r in runs)
    page.locator("#new-conversation").click()
    page.locator("#conversation .intro").wait_for()
    asked = ask(page, MISSION)
    answer = last_answer(page)
    assert "abstained" not in (answer.get_attribute("class") or "")
    assert answer.inner_text().startswith("Yes.")
    row = recorded(ui_server, asked.request_id)  # the audit log has it, as the UI's endpoint
    assert row["endpoint"] == "/ui" and row["request"]["question"] == MISSION and row["request"]["stream"]
    for _ in range(40):  # the page showed it, so the UI took it: marked delivered by the next write of the log
        if row.get("delivered") is True:
            break
        time.sleep(0.25)
        row = recorded(ui_server, asked.request_id)
    assert row.get("delivered") is True, row.get("delivered")
    cites = {c["id"]: c for c in row["response"]["citations"]}
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", row["response"]["answer"])}
    chips = page.locator(f"#conversation button.chip[data-rid='{asked.request_id}']")
    assert {int(c) for c in chips.evaluate_all("els => els.map(e => e.dataset.cite)")} == markers
    label = chips.first.get_attribute("aria-label")
    assert label.startswith("Source 1: The Business Times, 2025-05-14")

    mark = open_citation(page, asked.request_id, 1)
    assert mark.inner_text() == cites[1]["quote"]
    assert in_view(page, mark)
    panel = page.locator("#source-panel")
    assert panel.locator(".source-title").inner_text() == cites[1]["title"]
    assert panel.locator(".publisher").inner_text() == "The Business Times"
    assert panel.locator(".published").inner_text() == "2025-05-14"
    assert "US warns against using Huawei AI chips" in panel.locator(".also-in").inner_text()
    screenshot(page, "desktop-mission-citation-1")

    # two citations of one document: each highlights its own span
    same_doc = [n for n in cites if cites[n]["doc_id"] == "cryptopolitan-ascend-chips-violate-export-controls"]
    assert len(same_doc) >= 2, cites
    spans = set()
    for n in same_doc:
        mark = open_citation(page, asked.request_id, n)
        assert mark.inner_text() == cites[n]["quote"] and in_view(page, mark)
        assert panel.locator("mark.active").count() == 1
        spans.add(mark.inner_text())
    assert len(spans) == len(same_doc)

    # the firm and the hedged wording, side by side, with their dates
    cards = answer.locator(".compare .compare-card")
    assert cards.count() == 2
    assert "2025-05-14" in cards.nth(0).inner_text() and "may violate" in cards.nth(1).inner_text()
    assert "date not given" in cards.nth(1).inner_text()


def test_unanswerable_question_looks_different(page, ui_server):
    asked = ask(page, UNANSWERABLE)
    answer = last_answer(page)
    assert "abstained" in answer.get_attribute("class")
    assert answer.locator(".badge.abstain").inner_text() == "The documents do not say"
    assert answer.locator(".related h4").inner_text() == "Related, not support"
    assert answer.locator(".related button.chip").count() >= 1
    assert answer.locator(".warnings").inner_text().count("abstained") == 1  # the warning is shown
    style = answer.evaluate("e => [getComputedStyle(e).borderLeftStyle, getComputedStyle(e).backgroundColor]")
    assert style == ["dashed", "rgb(255, 247, 237)"]
    assert recorded(ui_server, asked.request_id)["response"]["abstained"] is True
    screenshot(page, "desktop-abstained")
    ask(page, MISSION)  # an answer beside it keeps its own style
    assert last_answer(page).evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"


def test_follow_up_uses_the_conversation_and_new_conversation_clears_it(page, ui_server):
    ask(page, "Which Ascend chips did the guidance name?")
    follow = ask(page, "Would testing one of them in Malaysia be a violation?")
    row = recorded(ui_server, follow.request_id)
    assert [t["role"] for t in row["request"]["history"]] == ["user", "assistant"]
    assert row["request"]["history"][0]["content"] == "Which Ascend chips did the guidance name?"
    assert not row["response"]["abstained"] and "anywhere" in row["response"]["answer"]
    page.locator("#new-conversation").click()
    page.locator("#conversation .intro").wait_for()
    assert page.locator("#conversation .turn").count() == 0
    alone = ask(page, "Would testing one of them in Malaysia be a violation?")
    assert recorded(ui_server, alone.request_id)["request"]["history"] == []


def test_feedback_is_recorded_by_request_id(page, ui_server):
    asked = ask(page, KESSLER)
    page.locator(f"#conversation button.rate[data-rid='{asked.request_id}'][data-rating='down']").click()
    form = last_answer(page).locator(".feedback-form")
    form.wait_for(state="visible")
    assert asked.request_id in form.inner_text()
    form.locator("textarea").fill("The second quote is off topic <b>here</b>")
    form.locator("button.send-feedback").click()
    done = last_answer(page).locator(".feedback.done")
    done.wait_for()
    assert "not helpful" in done.inner_text() and "<b>here</b>" in done.inner_text()
    feedback = recorded(ui_server, asked.request_id)["feedback"]
    assert [(f["rating"], f["comment"]) for f in feedback] == [("down", "The second quote is off topic <b>here</b>")]


def test_export_as_markdown(page, ui_server, tmp_path):
    first = ask(page, MISSION)
    second = ask(page, UNANSWERABLE)
    with page.expect_download() as download:
        page.locator("#export").click()
    path = Path(tmp_path / "export.md")
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Conversation with grounded")
    assert f"## 1. {MISSION}" in text and f"## 2. {UNANSWERABLE}" in text
    assert f"Request id `{first.request_id}`" in text and f"Request id `{second.request_id}`" in text
    assert "**The documents do not say.**" in text and "### Related passages (not support)" in text
    for c in recorded(ui_server, first.request_id)["response"]["citations"]:
        assert f"[{c['id']}] {c['publisher'] or c['title']}, {c['published'] or 'date not given'}" in text
        assert "> " + c["quote"].splitlines()[0].replace("&", "&amp;").replace("<", "&lt;") in text
    assert re.search(r"^Exported \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\. Answers", text, re.M)  # stamped at the click


def test_engine_selector_filters_and_streaming_llm_draft(page, ui_server, slow_llm, capsys):
    ready = httpx.get(f"{ui_server.url}/readyz").json()
    page.locator("#options").click()
    engine = page.locator("#engine input")
    engine.click()
    offered = page.locator("ul[role='listbox'] li").all_inner_texts()
    assert [o.replace("✓", "").strip() for o in offered] == ready["engines"] == ["extractive", "llm"]
    page.locator("ul[role='listbox'] li", has_text="llm").click()
    asked = ask(page, KESSLER)
    with capsys.disabled():
        print(f"\n[ui timing, llm (fake, 0.05 s a word)] Enter → first answer text {asked.first_answer_text_ms:.0f} ms;"
              f" → complete answer {asked.complete_ms:.0f} ms")
    assert asked.saw_draft and asked.first_answer_text_ms < asked.complete_ms  # the draft streamed in first
    row = recorded(ui_server, asked.request_id)
    assert row["engine"] == "llm"
    if row["response"]["draft_replaced"]:  # verification changed the draft: the UI says so
        assert "replaced by the verified answer" in last_answer(page).locator(".warnings").inner_text()

    engine.click()
    page.locator("ul[role='listbox'] li", has_text="extractive").click()
    publishers = page.locator("#publishers input")
    publishers.click()
    page.locator("ul[role='listbox'] li", has_text="Cryptopolitan").click()
    page.keyboard.press("Escape")
    only = ask(page, KESSLER)
    response = recorded(ui_server, only.request_id)
    assert response["request"]["filters"] == {"publisher": ["Cryptopolitan"]}
    assert {c["publisher"] for c in response["response"]["citations"]} == {"Cryptopolitan"}
    assert "Filters: publisher Cryptopolitan" in page.locator("#conversation .turn").last.inner_text()

    page.locator("#after input, #after textarea").first.fill("2025-13-45")  # a bad date: one line, no trace
    ask(page, KESSLER)
    failed = last_answer(page)
    assert "failed" in failed.get_attribute("class")
    assert "published_after" in failed.inner_text() and "Traceback" not in page.content()


def test_an_llm_answer_that_fails_verification_shows_its_warning(page, ui_server, junk_llm):
    page.locator("#options").click()
    page.locator("#engine input").click()
    page.locator("ul[role='listbox'] li", has_text="llm").click()
    asked = ask(page, KESSLER)
    warnings = last_answer(page).locator(".warnings")
    assert ("the llm answer failed verification (1 of its 1 checked sentences had no supporting passage); showing "
            "the extractive answer instead") in warnings.inner_text()
    text = " ".join(last_answer(page).locator(":scope > p, :scope > ul").all_inner_texts())
    assert text and "cheese" not in text  # the unsupported draft is not what stays on screen, only in the warning
    assert any("failed verification" in w for w in recorded(ui_server, asked.request_id)["response"]["warnings"])


def test_keyboard_reaches_every_control_with_labels(page):
    asked = ask(page, MISSION)
    page.locator("#question textarea").focus()
    reached = []
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            return [e.tagName, e.className || '', e.getAttribute('aria-label') || e.innerText || ''] }"""))
    chips = [r for r in reached if "chip" in r[1]]
    assert chips and all(r[2].startswith("Source ") for r in chips), reached
    assert any("rate" in r[1] and r[2].startswith("Rate answer 1") for r in reached), reached
    page.locator("#question textarea").focus()
    forward = []
    for _ in range(12):
        page.keyboard.press("Tab")
        forward.append(page.evaluate("() => [document.activeElement.id, document.activeElement.innerText || '']"))
    assert any(t.strip() == "Send" for _, t in forward), forward
    # a chip opens its source from the keyboard
    page.locator(f"#conversation button.chip[data-rid='{asked.request_id}'][data-cite='2']").first.focus()
    page.keyboard.press("Enter")
    page.locator("#source-panel mark.active[data-cite='2']").wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'active-mark'")


def test_phone_width(context, ui_server):
    page = open_ui(context, ui_server.url)
    page.set_viewport_size(PHONE)
    asked = ask(page, MISSION)
    mark = open_citation(page, asked.request_id, 1)
    assert wait_in_view(page, mark) and wait_in_view(page, page.locator("#source-panel .source-title"))
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than a phone"
    screenshot(page, "phone-mission-citation-1")
    page.locator("#source-panel button.back-to-answer").click()
    page.locator("#conversation .turn").last.scroll_into_view_if_needed()
    screenshot(page, "phone-mission-answer")


def test_date_range_filter(page, ui_server):
    page.get_by_role("button", name="Options: engine and filters").click()
    page.get_by_role("textbox", name="Published from (YYYY-MM-DD)").fill("2025-05-14")
    page.get_by_role("textbox", name="Published until (YYYY-MM-DD)").fill("2025-05-14")
    asked = ask(page, MISSION)
    row = recorded(ui_server, asked.request_id)
    assert row["request"]["filters"] == {"published_after": "2025-05-14", "published_before": "2025-05-14"}
    cited = {c["published"] for c in row["response"]["citations"]}
    assert cited == {"2025-05-14"}, row["response"]["citations"]  # only that day's sources; undated ones left out
    note = page.locator("#conversation .turn").last.locator(".filters-note").inner_text()
    assert note == "Filters: published from 2025-05-14; published until 2025-05-14"
