"""The gaps a newcomer's trial of the chat UI found (issue 11), in Chromium against the real server: comparisons as a
field of the answer, the skip links, chips that keep to their punctuation, truthful abstention badges, a source panel
that does not outlive its answer, a page that follows a re-ingest, sources without a publisher, and a
failed-verification warning that says what failed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from assistant.ui import render
from tests.ui.conftest import screenshot
from tests.ui.pages import ask, last_answer, open_citation

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
CHINESE = "火星上汞的沸点是多少？"  # the boiling point of mercury on Mars
KESSLER = "Who is the Under Secretary of Commerce for Industry and Security?"
CSS = Path(render.__file__).with_name("ui.css")


def test_comparisons_are_a_field_of_the_answer_json_stream_and_schema(ui_server):
    plain = httpx.post(f"{ui_server.url}/v1/ask", json={"question": MISSION}, timeout=60).json()
    cites = {c["id"]: c for c in plain["citations"]}
    hedged = [c for c in plain["comparisons"] if c["kind"] == "hedged"]
    assert len(hedged) == 1 and set(hedged[0]["citations"]) <= set(cites), plain["comparisons"]
    firm, maybe = (cites[n] for n in hedged[0]["citations"])
    assert "may violate" in maybe["quote"] and firm["published"] == "2025-05-14"
    assert hedged[0]["note"].startswith(f"{maybe['publisher']} words it as a possibility")
    with httpx.stream("POST", f"{ui_server.url}/v1/ask", json={"question": MISSION, "stream": True},
                      timeout=60) as r:
        body = r.read().decode()
    final = json.loads(re.search(r"event: answer\r?\ndata: (.*)", body).group(1))
    assert final["comparisons"] == plain["comparisons"]
    schema = httpx.get(f"{ui_server.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    assert schema["AskResponse"]["properties"]["comparisons"]["items"] == {"$ref": "#/components/schemas/ComparisonOut"}
    assert set(schema["ComparisonOut"]["properties"]) == {"citations", "kind", "note", "sources"}


def test_skip_links_come_first_and_move_the_focus_to_the_answer(page):
    asked = ask(page, MISSION)
    page.mouse.click(3, 3)  # the page's corner: the keyboard starts from the top, nothing focused
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.className, document.activeElement.innerText]")
    assert first == ["skip-link", "Skip to the latest answer"]
    box = page.locator("a.skip-link[data-to='answer']").bounding_box()
    assert box["width"] > 50 and box["height"] > 10  # shown while focused, white on blue-700 (6.7:1)
    colours = page.evaluate("() => [getComputedStyle(document.activeElement).color, "
                            "getComputedStyle(document.activeElement).backgroundColor]")
    assert colours == ["rgb(255, 255, 255)", "rgb(29, 78, 216)"]
    screenshot(page, "desktop-skip-link")
    page.keyboard.press("Enter")
    page.wait_for_function("(rid) => document.activeElement.matches(`.answer[data-rid='${rid}']`)",
                           arg=asked.request_id)
    page.keyboard.press("Tab")  # and on into the answer's first chip
    assert page.evaluate("() => document.activeElement.className") == "chip"
    page.mouse.click(3, 3)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.matches('#question textarea')")
    assert page.locator("a.skip-link[data-to='answer']").bounding_box()["width"] <= 1  # hidden again


# The chips (matching a selector) that sit on another line than the punctuation right after them, or than the word
# right before them: [chip text, 'after' | 'before'] for each.
SPLIT_CHIPS_JS = """(selector) => {
  const line = (node, at) => { const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + 1);
                               return r.getClientRects()[0]; };
  const out = [];
  for (const chip of document.querySelectorAll(selector)) {
    const c = chip.getBoundingClientRect();
    const next = chip.nextSibling, prev = chip.previousSibling;
    if (next && next.nodeType === 3 && /^[.,;”]/.test(next.data)) {
      const r = line(next, 0);
      if (Math.abs(r.bottom - c.bottom) > c.height) out.push([chip.innerText, 'after']);
    }
    if (prev && prev.nodeType === 3 && /[\\w”] $/.test(prev.data)) {
      const r = line(prev, prev.data.length - 2);
      if (Math.abs(r.bottom - c.bottom) > c.height) out.push([chip.innerText, 'before']);
    }
  }
  return out;
}"""


def test_a_chip_never_wraps_away_from_its_word_or_its_full_stop(browser):
    """At every width from 100 to 420 px, each chip is on the line of the word before it and of the punctuation
    after it (before, an inline-block chip was a break opportunity on both sides)."""
    text = ("Using Huawei Ascend chips anywhere in the world violates US export controls [1]. The guidance names "
            "the 910B, 910C and 910D [2], and the Business Times agrees [1] [2]; “quoted words” [2].")
    cites = [{"id": n, "doc_id": "d", "quote": "q", "start": 0, "end": 1, "publisher": "P", "published": None}
             for n in (1, 2)]
    html = render.answer_block({"question": "q", "answer": {"answer": text, "citations": cites, "abstained": False,
                                                            "request_id": "r", "engine": "extractive"}}, 1)
    ctx = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = ctx.new_page()
        page.set_content(f"<style>{CSS.read_text(encoding='utf-8')}</style>"
                         f"<div id='box' style='font: 16px sans-serif'>{html}</div>")
        broken = page.evaluate("() => { const split = " + SPLIT_CHIPS_JS + """;
          const out = [];
          for (let w = 100; w <= 420; w += 2) {
            document.querySelector('#box').style.width = w + 'px';
            out.push(...split('.answer > p button.chip').map((b) => [w, ...b]));
          }
          return out;
        }""")
    finally:
        ctx.close()
    assert broken == []


def test_a_language_abstention_is_labelled_as_such(page):
    ask(page, CHINESE)
    answer = last_answer(page)
    assert "abstained" in answer.get_attribute("class")
    text = answer.locator(":scope > p").first.inner_text()
    assert text.startswith("No passage matched this question in Chinese"), text
    assert answer.locator(".badge.abstain").inner_text() == "Not found (question in Chinese)"
    screenshot(page, "desktop-language-abstention")


def test_a_new_answer_clears_the_source_panel(page):
    first = ask(page, MISSION)
    open_citation(page, first.request_id, 1)
    ask(page, KESSLER)
    panel = page.locator("#source-panel")
    panel.locator(".source-empty").wait_for()
    assert panel.locator("article.source").count() == 0


def test_an_open_page_follows_a_reingest(page, ui_home, ui_server, tmp_path):
    """An ingest while the page is open: the status line (at the next answer, and at the status timer's tick), the
    documents view and the publishers follow; a document without a publisher is named by its title once."""
    from assistant.settings import AssistantSettings
    from ingest.pipeline import remove, run

    status = page.locator("#status code")
    before = status.inner_text()
    extra = tmp_path / "untitled-publisher-note.md"
    extra.write_text("---\ntitle: Kessler memo on Ascend testing\npublished: 2025-06-20\n---\n\nThe Kessler memo "
                     "says that testing an Ascend 910D in a Malaysian laboratory needs a licence from the Bureau of "
                     "Industry and Security.\n", encoding="utf-8")
    settings = AssistantSettings(home=ui_home)
    report = run([extra], settings)
    try:
        assert report.exit_code == 0 and report.added == ["untitled-publisher-note"], report
        asked = ask(page, "What does the Kessler memo say about testing an Ascend 910D in a Malaysian laboratory?")
        assert status.inner_text() == report.corpus_version != before  # at the answer
        answer = last_answer(page)
        lines = answer.locator(".sources li").all_inner_texts()
        memo = [x for x in lines if "Kessler memo on Ascend testing" in x]
        assert memo and all(x.count("Kessler memo on Ascend testing") == 1 for x in memo), lines
        assert asked.request_id
        page.locator("button[role='tab']:has-text('Documents')").click()
        page.locator("#documents tbody tr", has_text="Kessler memo on Ascend testing").wait_for(timeout=20_000)
        assert page.locator("#documents tbody tr").count() == 7
    finally:
        removed = remove(["untitled-publisher-note"], settings)
    assert removed.corpus_version == before or not removed.corpus_version
    page.wait_for_function("(v) => document.querySelector('#status code').innerText === v", arg=before,
                           timeout=20_000)  # the timer, with no question asked
    page.locator("#documents tbody tr", has_text="Kessler memo").wait_for(state="detached", timeout=20_000)
    assert page.locator("#documents tbody tr").count() == 6


def test_a_failed_verification_warning_says_what_failed(page, ui_server, monkeypatch):
    """An LLM draft that is only a citation marker ("[1]") states nothing: the warning said "(0 unsupported
    sentence(s))"; it now says that no sentence made a claim."""
    import tests.api.fakes as fakes

    monkeypatch.setattr(fakes, "PASSAGE", re.compile(r"^\[1\] \([^)]*\) ()", re.M))  # the fake LLM replies " [1]"
    page.locator("#options").click()
    page.locator("#engine input").click()
    page.locator("ul[role='listbox'] li", has_text="llm").click()
    ask(page, KESSLER)
    warnings = last_answer(page).locator(".warnings").inner_text()
    assert ("the llm answer failed verification (none of its sentences made a claim a passage could support); "
            "showing the extractive answer instead") in warnings, warnings
    assert "0 unsupported" not in warnings


def test_at_phone_widths_the_mission_answer_keeps_each_chip_with_its_word_and_full_stop(context, ui_server):
    """The served page itself (gradio's styles and ui.css together) at phone widths from 320 to 430 px: the mission
    answer's chips stay on the line of the word before them and of the punctuation after them."""
    from tests.ui.conftest import PHONE
    from tests.ui.pages import open_ui

    page = open_ui(context, ui_server.url)
    page.set_viewport_size(PHONE)
    asked = ask(page, MISSION)
    selector = f"#conversation .answer[data-rid='{asked.request_id}'] :is(p, li) button.chip"
    assert page.locator(selector).count() >= 6
    followed = page.evaluate("(s) => [...document.querySelectorAll(s)].filter((b) => b.nextSibling && "
                             "b.nextSibling.nodeType === 3 && /^[.,;]/.test(b.nextSibling.data)).length", selector)
    assert followed >= 2  # "… export controls” [1]." and "… 910D” [2]." at least
    broken = []
    for width in range(320, 431, 10):
        page.set_viewport_size({"width": width, "height": PHONE["height"]})
        broken += [[width, *b] for b in page.evaluate(SPLIT_CHIPS_JS, selector)]
    assert broken == []
    screenshot(page, "phone-mission-chips-430")
