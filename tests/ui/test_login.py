"""With API keys configured the UI asks for one, and answers count against that key's limit and carry its name in
the audit log, as API requests do (the keys are added to the running server, which re-reads its key file)."""

from __future__ import annotations

import httpx
import pytest

from tests.ui.pages import ask, last_answer, open_ui, recorded

QUESTION = "Which Ascend chips did the guidance name?"


@pytest.fixture
def officer_key(ui_home):
    from assistant.api.keys import KeyStore

    store = KeyStore(ui_home / "api_keys.json")
    keys = {"officer": store.add("officer", "2/minute"), "auditor": store.add("ui-auditor", audit=True)}
    yield keys
    rows = store.keys()
    for name in {k.name for k in rows if not k.revoked} & {"officer", "ui-auditor"}:
        store.revoke(name)


def test_login_required_when_keys_are_configured(context, ui_server, ui_home, officer_key):
    page = open_ui(context, ui_server.url, wait_for="#key input, #key textarea")
    assert not page.locator("#main").is_visible() and not page.locator("#question").is_visible()
    key = page.locator("#key input, #key textarea").first
    key.fill("grd_wrong")
    page.locator("#login-button").click()
    page.locator("#login-message", has_text="Login refused").wait_for()
    assert "wrong or revoked API key" in page.locator("#login-message").inner_text()
    assert not page.locator("#question").is_visible()

    key.fill(officer_key["officer"])
    key.press("Enter")
    page.locator("#question textarea").wait_for(state="visible")
    assert "logged in as officer" in page.locator("#status").inner_text()
    answered = [ask(page, QUESTION) for _ in range(2)]
    audit = officer_key["auditor"]
    for a in answered:
        row = recorded(ui_server, a.request_id, audit)
        assert row["key_name"] == "officer" and row["endpoint"] == "/ui"
    ask(page, QUESTION)  # the key's limit is 2 a minute: the UI does not bypass it
    refused = last_answer(page)
    assert "failed" in refused.get_attribute("class") and "rate limit 2/minute reached for officer" in \
        refused.inner_text()
    # the API itself wants the key too
    assert httpx.post(f"{ui_server.url}/v1/ask", json={"question": QUESTION}).status_code == 401
    # a key revoked while its session is open stops working at the next question
    from assistant.api.keys import KeyStore

    KeyStore(ui_home / "api_keys.json").revoke("officer")
    ask(page, QUESTION)
    assert "wrong or revoked API key" in last_answer(page).inner_text()
