"""Driving the chat UI in a browser: open it, ask (timing Enter → first text → complete answer in the page's own
clock), open a citation, read back what the server recorded."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

ANSWERED = "#conversation .turn:last-child .answer[data-rid], #conversation .turn:last-child .answer.failed"

# Installed before Enter is pressed: the page's own clock at the keydown, at the first text of the new turn (the
# question echoed, "Searching…"), at the first answer text (an LLM's draft, or the answer itself), at the end.
TIMER_JS = """
(question) => {
  const box = document.querySelector('#question textarea');
  const log = window.__timing = {};
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter' && log.enter === undefined) log.enter = performance.now(); },
                       {once: false});
  const target = document.querySelector('#conversation');
  const before = target.querySelectorAll('.turn').length;
  const seen = () => {
    const turns = target.querySelectorAll('.turn');
    if (turns.length <= before) return;
    const last = turns[turns.length - 1];
    const now = performance.now();
    if (log.first_text === undefined && last.innerText.includes(question)) log.first_text = now;
    const draft = last.querySelector('.answer .draft');
    if (log.first_answer_text === undefined && ((draft && draft.innerText.trim()) || last.querySelector('.answer[data-rid], .answer.failed')))
      log.first_answer_text = now;
    if (draft && draft.innerText.trim()) log.saw_draft = true;
    if (log.complete === undefined && last.querySelector('.answer[data-rid], .answer.failed')) log.complete = now;
  };
  new MutationObserver(seen).observe(target, {childList: true, subtree: true, characterData: true});
}
"""


@dataclass
class Asked:
    request_id: str | None
    first_text_ms: float
    first_answer_text_ms: float
    complete_ms: float
    saw_draft: bool


def open_ui(context, url: str, wait_for: str = "#question textarea"):
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector(wait_for, state="visible")
    return page


def ask(page, question: str, timeout: float = 120_000) -> Asked:
    """Type the question, press Enter, wait for the answer (or the error) of this new turn."""
    box = page.locator("#question textarea")
    box.fill(question)
    page.evaluate(TIMER_JS, question)
    box.press("Enter")
    page.wait_for_function("() => window.__timing && window.__timing.complete !== undefined", timeout=timeout)
    t = page.evaluate("() => window.__timing")
    rid = page.locator(ANSWERED).last.get_attribute("data-rid")
    return Asked(rid, t["first_text"] - t["enter"], t["first_answer_text"] - t["enter"], t["complete"] - t["enter"],
                 bool(t.get("saw_draft")))


def last_answer(page):
    return page.locator("#conversation .turn").last.locator(".answer")


def open_citation(page, rid: str, n: int):
    """Click chip [n] of answer `rid` and wait until the source panel shows that citation."""
    page.locator(f"#conversation button.chip[data-rid='{rid}'][data-cite='{n}']").first.click()
    mark = page.locator(f"#source-panel mark.active[data-cite='{n}']")
    mark.wait_for(state="visible")
    return mark


def in_view(page, locator) -> bool:
    """The element's box lies inside the viewport and inside every scrolling ancestor's visible area."""
    return page.evaluate("""(el) => {
      const r = el.getBoundingClientRect();
      if (r.height === 0 || r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth)
        return false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (!/(auto|scroll)/.test(s.overflowY)) continue;
        const b = p.getBoundingClientRect();
        if (r.top < b.top - 1 || r.bottom > b.bottom + 1) return false;
      }
      return true;
    }""", locator.element_handle())


def recorded(server, rid: str, key: str | None = None) -> dict:
    """The audit log's record of an answer, replayed by the API (GET /v1/answers/{rid})."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(f"{server.url}/v1/answers/{rid}", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def wait_in_view(page, locator, timeout: float = 3_000) -> bool:
    """`in_view`, waited for up to `timeout` ms (the page scrolls after it renders)."""
    import time

    end = time.monotonic() + timeout / 1000
    while True:
        if locator.count() and in_view(page, locator.first):
            return True
        if time.monotonic() > end:
            return False
        page.wait_for_timeout(100)
