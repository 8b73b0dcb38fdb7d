"""One index of corpus/ (the bundled model) and one real server process for the whole tests/api package.

The server runs `python -m assistant serve` on a free loopback port with three API keys (`tester`; `tight`, limited
to 3 answers a minute; `auditor`, which may replay every answer), and the LLM engine pointed at a fake OpenAI-compatible server in this process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.fakes import FakeLLM, fake_llm_server, start_server
from tests.helpers import CORPUS, ROOT


@pytest.fixture(scope="package")
def api_home(tmp_path_factory) -> Path:
    """GROUNDED_HOME with an index of corpus/ built with the bundled embedding model."""
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run

    home = tmp_path_factory.mktemp("api-state")
    report = run([CORPUS], AssistantSettings(home=home))
    assert report.exit_code == 0 and len(report.added) == 5, report
    return home


@pytest.fixture(scope="package")
def fake_llm():
    with fake_llm_server() as url:
        yield url


@pytest.fixture
def llm_mode():
    """Set the fake LLM's behaviour for one test; back to quoting after it."""
    def set_mode(mode: str) -> None:
        FakeLLM.mode = mode
    yield set_mode
    FakeLLM.mode = "quote"


@pytest.fixture(scope="package")
def keys(api_home) -> dict[str, str]:
    from assistant.api.keys import KeyStore

    store = KeyStore(api_home / "api_keys.json")
    # the tester asks every golden question (130) within a minute: its own limit is above that
    return {"tester": store.add("tester", "100000/minute"), "tight": store.add("tight", "3/minute"),
            "auditor": store.add("auditor", audit=True)}


@pytest.fixture(scope="package")
def server(api_home, keys, fake_llm):
    """The real server: keys required, LLM engine = the fake, LLM deadline 10 s (a busy 2-core machine needs the margin)."""
    srv = start_server(ROOT, api_home, {"GROUNDED_LLM__BACKEND": "openai", "GROUNDED_LLM__URL": fake_llm,
                                        "GROUNDED_LLM__MODEL": "fake", "GROUNDED_API__LLM_DEADLINE_S": "10",
                                        "GROUNDED_API__PRELOAD_LLM": "true"},
                       "--no-access-log")
    srv.key = keys["tester"]
    yield srv
    code = srv.stop()
    assert code in (0, -15) and "Finished server process" in srv.output(), srv.output()  # uvicorn re-raises SIGTERM
    assert "Traceback" not in srv.output(), srv.output()
