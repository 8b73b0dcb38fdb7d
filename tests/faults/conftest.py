"""Faults and hostile input (issue 13): one fast index of corpus/ built with the hash embedder, and the API app
in process over it (no model load, no LLM but the scripted fake), shared by the tests of this package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import CORPUS


def fast_server_settings(home: Path, tmp: Path, llm=None, store=None, **api):
    """ServerSettings over `home` with the hash embedder, the scripted LLM (or `llm`), the embedded store (or
    `store`), no keys, no rate limit, no warm-up; `api` overrides ApiSettings fields."""
    from assistant.api.settings import ApiSettings, ServerSettings
    from assistant.settings import LLMSettings
    from kernel.settings import CleanSettings, EmbedSettings

    api = {"keys_file": tmp / "keys.json", "audit_url": f"sqlite:///{tmp / 'audit.sqlite'}", "warm_up": False,
           "preload_llm": False, "rate_limit": "", "rate_limit_other": "", **api}
    extra = {"store": store} if store is not None else {}
    return ServerSettings(home=home, embed=EmbedSettings(model="hash"), clean=CleanSettings(offtopic=False),
                          api=ApiSettings(**api), llm=llm or LLMSettings(backend="scripted"), **extra)


@pytest.fixture(scope="package")
def fast_home(tmp_path_factory) -> Path:
    """GROUNDED_HOME with an index of corpus/ made with the hash embedder (about a second)."""
    from ingest.pipeline import run
    from tests.helpers import fast_settings

    home = tmp_path_factory.mktemp("faults-state")
    report = run([CORPUS], fast_settings(home))
    assert report.exit_code == 0 and len(report.added) == 5, report
    return home


@pytest.fixture(scope="package")
def app(fast_home, tmp_path_factory):
    """The API app over the fast index, loaded (the service is ready) and its audit log writing."""
    from assistant.api.app import create_app

    application = create_app(fast_server_settings(fast_home, tmp_path_factory.mktemp("faults-api")), load=False)
    application.state.service.load()
    assert application.state.service.state == "ready", application.state.service.error
    application.state.audit.start()
    yield application
    application.state.audit.close()


@contextmanager
def serving(app) -> Iterator[int]:
    """`app` served by uvicorn (httptools, as `serve` does; lifespan off: the caller loaded it) on a free loopback
    port, in a thread of this process; yields the port."""
    import threading
    import time

    import uvicorn

    from tests.api.fakes import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
