"""Keyboard, accessible names, contrast (light and dark) and phone width, measured in Chromium against a real server.

Contrast ratios are computed from the computed styles (tests/ui/a11y.py): every piece of text on the page after a
cited answer, its source and an abstention must reach WCAG AA (4.5:1, large text 3:1), and every focus ring 3:1.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.a11y import TEXT_CONTRAST_JS, failing, tab_walk
from tests.ui.conftest import PHONE, screenshot
from tests.ui.pages import ask, last_answer, open_citation, open_ui, wait_in_view

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
UNANSWERABLE = "What is the boiling point of mercury on Mars?"
# the order Tab meets the controls of the Ask tab, top to bottom (the conversation's chips and ratings come first)
CONTROLS = ["tab:Ask", "tab:Documents", "chip", "rate", "question", "send", "examples", "options", "engine",
            "publishers", "after", "before", "new-conversation", "export"]


def _no_sideways_scroll(page, where: str) -> None:
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page scrolls sideways ({width[0]} px wide in a {width[1]} px window)"


def _measured(page, selector: str) -> list[dict]:
    return page.evaluate(TEXT_CONTRAST_JS, selector)


def test_every_control_has_an_accessible_name(page):
    asked = ask(page, MISSION)  # typed, then Enter: Enter sends
    page.get_by_role("button", name="Options: engine and filters").click()
    named = [("textbox", "Question"), ("button", "Send"), ("button", MISSION), ("combobox", "Engine"),
             ("combobox", "Publishers"), ("textbox", "Published from (YYYY-MM-DD)"),
             ("textbox", "Published until (YYYY-MM-DD)"), ("button", "New conversation"),
             ("button", "Export as Markdown"), ("tab", "Ask"), ("tab", "Documents"),
             ("button", "Rate answer 1 as helpful"), ("button", "Rate answer 1 as not helpful")]
    for role, name in named:
        assert page.get_by_role(role, name=name, exact=True).count() >= 1, (role, name)
    chip = page.get_by_role("button", name=re.compile(r"^Source 1: The Business Times, 2025-05-14\. Open the quoted"))
    assert chip.count() >= 1
    chip.first.click()
    source = page.get_by_role("article", name="Source of citation 1")
    source.locator("mark.active").wait_for()
    assert source.get_by_role("region", name="Full cleaned text").count() == 1
    assert page.get_by_role("button", name=re.compile(r"^Source 1: ")).first.get_attribute("data-rid") == \
        asked.request_id
    page.get_by_role("tab", name="Documents").click()
    page.get_by_role("button", name=re.compile(r"^Read ")).first.click()
    page.get_by_role("region", name=re.compile(r"^Cleaned text of ")).wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_and_focus_rings(make_context, ui_server, scheme):
    page = open_ui(make_context(color_scheme=scheme), ui_server.url)
    assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
    asked = ask(page, MISSION)
    open_citation(page, asked.request_id, 1)
    screenshot(page, f"{scheme}-desktop-mission-citation-1")
    page.get_by_role("button", name="Options: engine and filters").click()
    cited = _measured(page, "body")
    if scheme == "dark":  # dark really is dark: the answer's background, not only its ratios
        lum = page.evaluate("() => getComputedStyle(document.querySelector('#conversation .answer')).backgroundColor")
        assert sum(int(v) for v in re.findall(r"\d+", lum)[:3]) < 3 * 80, lum
    ask(page, UNANSWERABLE)
    assert "abstained" in last_answer(page).get_attribute("class")
    abstained = _measured(page, "#conversation .turn:last-child")
    screenshot(page, f"{scheme}-desktop-abstained")
    measured = cited + abstained
    for group, kinds in ((cited, ("button.chip", "mark#active-mark.active", "div.compare-head", "button#send", "dd.publisher",
                                  "div.answer-meta", "span.src-date", "p.disclaimer")),
                         (abstained, ("span.badge.abstain", "p.hint", "span.src-name", "div.answer-meta"))):
        seen = {m["element"] for m in group}
        for kind in kinds:
            assert any(e.startswith(kind) for e in seen), f"{kind} was not measured: {sorted(seen)}"
    assert not failing(measured), failing(measured)

    reached = tab_walk(page, until="export")
    keys = list(dict.fromkeys(r["key"] for r in reached if r["key"] in CONTROLS))
    assert keys == CONTROLS, [r["key"] for r in reached]
    weak = [r for r in reached if r["key"] != "body" and not (r["style"] == "solid" and r["width"] >= 2
                                                              and r["ratio"] >= 3)]
    assert not weak, weak


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_width_no_sideways_scroll_and_a_usable_source_panel(make_context, ui_server, scheme):
    page = open_ui(make_context(viewport=PHONE, color_scheme=scheme), ui_server.url)
    _no_sideways_scroll(page, "empty page")
    width = page.evaluate("() => [document.querySelector('#conversation').getBoundingClientRect().width, innerWidth]")
    assert width[0] >= 0.9 * width[1], f"the conversation is {width[0]:.0f} px of a {width[1]} px phone"
    asked = ask(page, MISSION)
    _no_sideways_scroll(page, "answer")
    chip = page.locator(f"#conversation button.chip[data-rid='{asked.request_id}'][data-cite='1']").first
    chip.scroll_into_view_if_needed()
    chip.click()
    mark = page.locator("#source-panel mark.active[data-cite='1']")
    mark.wait_for()
    for what in ("#source-panel .source-title", "#source-panel .published", "#source-panel button.back-to-answer"):
        assert wait_in_view(page, page.locator(what)), f"{what} is out of view on a phone"
    assert wait_in_view(page, mark), "the highlighted passage is out of view on a phone"
    _no_sideways_scroll(page, "source panel")
    assert not failing(_measured(page, "#source-column")), failing(_measured(page, "#source-column"))
    screenshot(page, f"{scheme}-phone-mission-citation-1")
    page.keyboard.press("Escape")  # closes the panel, back on the chip
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('button.chip')")
    ask(page, UNANSWERABLE)
    _no_sideways_scroll(page, "abstained answer")
    assert not failing(_measured(page, "#conversation")), failing(_measured(page, "#conversation"))
    screenshot(page, f"{scheme}-phone-abstained")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#documents button.read").first.click()
    page.locator("#document-view article.document").wait_for()
    _no_sideways_scroll(page, "documents view")
