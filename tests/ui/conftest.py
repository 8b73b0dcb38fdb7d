"""The chat UI in a real browser: one index (corpus/ plus a fixture article full of markup, bundled model), one real
`python -m assistant serve` process on a free loopback port (the LLM engine pointed at the API tests' fake
OpenAI-compatible server, so streaming is real), and Debian's Chromium driven headless by Playwright.

`make test` installs Chromium (`apt-get install chromium chromium-driver`) when /usr/bin/chromium is missing.
Screenshots go to GROUNDED_UI_ARTIFACTS (default: .state/ui-screenshots in the repository).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.api.fakes import FakeLLM, fake_llm_server, start_server
from tests.helpers import CORPUS, ROOT

CHROMIUM = Path(os.environ.get("GROUNDED_CHROMIUM", "/usr/bin/chromium"))
FIXTURE = Path(__file__).with_name("fixtures") / "markup-weekly-penang-notice.md"
ARTIFACTS = Path(os.environ.get("GROUNDED_UI_ARTIFACTS", ROOT / ".state" / "ui-screenshots"))
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="package")
def ui_home(tmp_path_factory) -> Path:
    """GROUNDED_HOME with an index of corpus/ and the markup fixture, built with the bundled embedding model."""
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run

    home = tmp_path_factory.mktemp("ui-state")
    report = run([CORPUS, FIXTURE], AssistantSettings(home=home))
    assert report.exit_code == 0 and len(report.added) == 6, report
    return home


@pytest.fixture(scope="package")
def fake_llm_url():
    with fake_llm_server() as url:
        yield url


@pytest.fixture
def slow_llm():
    """The fake LLM streams its words 0.05 s apart for one test (its "slow" mode), then quotes at once again."""
    FakeLLM.mode, FakeLLM.delay = "slow", 0.05
    yield
    FakeLLM.mode, FakeLLM.delay = "quote", 1.0


@pytest.fixture
def junk_llm():
    """The fake LLM answers with a sentence no passage supports for one test (verification rejects it)."""
    FakeLLM.mode = "junk"
    yield
    FakeLLM.mode = "quote"


@pytest.fixture(scope="package")
def ui_server(ui_home, fake_llm_url):
    """The real server with the chat UI at /: no API keys (until a test adds one), LLM engine = the fake."""
    srv = start_server(ROOT, ui_home, {"GROUNDED_LLM__BACKEND": "openai", "GROUNDED_LLM__URL": fake_llm_url,
                                       "GROUNDED_LLM__MODEL": "fake", "GROUNDED_API__LLM_DEADLINE_S": "20",
                                       "GROUNDED_API__PRELOAD_LLM": "true",
                                       "GRADIO_ANALYTICS_ENABLED": "False"}, "--no-access-log")
    yield srv
    code = srv.stop()
    assert code in (0, -15), srv.output()
    assert "Traceback" not in srv.output(), srv.output()


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


class Requests:
    """Every URL a browser context asked for; anything not on loopback is aborted and remembered."""

    def __init__(self):
        self.urls: list[str] = []

    def route(self, route):
        url = route.request.url
        self.urls.append(url)
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            return route.continue_()
        return route.abort()

    def outside(self) -> list[str]:
        return [u for u in self.urls if not u.startswith(("data:", "blob:", "about:"))
                and urlparse(u).hostname != "127.0.0.1"]


@pytest.fixture
def requests_seen():
    return Requests()


@pytest.fixture
def make_context(browser, requests_seen):
    """Opens fresh browser contexts (each its own gradio session; desktop size unless `viewport=` says otherwise,
    `color_scheme="dark"` emulates prefers-color-scheme: dark); after the test, every request any of them made
    must have gone to 127.0.0.1."""
    opened = []

    def make(**options):
        ctx = browser.new_context(**{"viewport": DESKTOP, "accept_downloads": True, **options})
        ctx.route("**/*", requests_seen.route)
        ctx.set_default_timeout(30_000)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()
    assert requests_seen.urls, "the page made no requests at all"
    assert not requests_seen.outside(), requests_seen.outside()


@pytest.fixture
def context(make_context):
    """A fresh browser context at desktop size (light colour scheme); requests checked as `make_context` does."""
    return make_context()


@pytest.fixture
def page(context, ui_server):
    """The chat UI, loaded: the question box is on screen."""
    from tests.ui.pages import open_ui

    return open_ui(context, ui_server.url)


SAVED: list[Path] = []


def screenshot(page, name: str) -> Path:
    """Save what the viewport shows as ARTIFACTS/NAME.png (listed at the end of the test run)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    SAVED.append(path)
    return path


def pytest_terminal_summary(terminalreporter):
    """Say where this run's screenshots are (the test artifacts), however quiet the run. (pytest loads this file as
    `conftest`, the tests import it as `tests.ui.conftest`: two modules, so the list is read from the tests' one.)"""
    from tests.ui.conftest import SAVED as saved

    if saved:
        names = ", ".join(sorted({p.name for p in saved}))
        terminalreporter.write_line(f"[ui screenshots] {len(set(saved))} saved in {ARTIFACTS}: {names}")
