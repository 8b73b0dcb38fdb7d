"""The app in process (FastAPI's TestClient): states a running server is rarely in (loading, no index, audit
failing, no LLM), anonymous loopback use, the UI mount point, CORS."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import audit as audit_mod
from assistant.api import audit_schema
from assistant.api.app import create_app
from assistant.api.settings import ApiSettings, ServerSettings
from assistant.settings import LLMSettings
from kernel.errors import ConfigError

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


def settings(home: Path, tmp: Path, llm: LLMSettings | None = None, **api) -> ServerSettings:
    api = {"keys_file": tmp / "keys.json", "audit_url": f"sqlite:///{tmp / 'audit.sqlite'}", "warm_up": False,
           "preload_llm": False, **api}
    return ServerSettings(home=home, api=ApiSettings(**api), llm=llm or LLMSettings(backend="scripted"))


def ready(client: TestClient, timeout: float = 120) -> dict:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        r = client.get("/readyz")
        if r.status_code == 200:
            return r.json()
        time.sleep(0.1)
    raise AssertionError(client.get("/readyz").json())


def test_anonymous_on_loopback_and_recorded_without_a_key_name(api_home, tmp_path):
    app = create_app(settings(api_home, tmp_path))
    with TestClient(app) as client:
        ready(client)
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 200 and "x-ratelimit-limit" in r.headers
        assert app.state.audit.flush()
        row = app.state.audit.get(r.json()["request_id"])
        assert row["key_name"] is None and row["question"] == QUESTION and row["response"] == r.text


def test_a_public_server_whose_keys_were_all_revoked_stays_closed(api_home, tmp_path):
    app = create_app(settings(api_home, tmp_path))
    app.state.require_keys = True
    with TestClient(app) as client:
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 401 and "keys add" in r.json()["error"]["message"]


def test_loading_is_503_with_retry_after_while_health_answers(api_home, tmp_path):
    with TestClient(create_app(settings(api_home, tmp_path), load=False)) as client:
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "loading" and r.headers["retry-after"]
        ask = client.post("/v1/ask", json={"question": QUESTION})
        assert ask.status_code == 503 and ask.json()["error"]["code"] == "loading" and ask.headers["retry-after"]


def test_no_index_is_503_saying_what_to_run(tmp_path):
    with TestClient(create_app(settings(tmp_path / "empty", tmp_path))) as client:
        for _ in range(100):
            r = client.get("/readyz")
            if r.json()["status"] != "loading":
                break
            time.sleep(0.05)
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert "python -m ingest" in r.json()["message"]
        ask = client.post("/v1/ask", json={"question": QUESTION})
        assert ask.status_code == 503 and ask.json()["error"]["code"] == "index_unavailable"
        assert client.get("/v1/documents").status_code == 503


def test_an_unreachable_chroma_server_is_503_naming_it(api_home, tmp_path):
    from kernel.settings import StoreSettings
    from tests.api.fakes import free_port

    cfg = settings(api_home, tmp_path, warm_up=True).model_copy(
        update={"store": StoreSettings(chroma_url=f"http://127.0.0.1:{free_port()}")})
    with TestClient(create_app(cfg)) as client:
        for _ in range(300):
            r = client.get("/readyz")
            if r.json()["status"] != "loading":
                break
            time.sleep(0.1)
        assert r.status_code == 503 and "Chroma server" in r.json()["message"], r.json()
        ask = client.post("/v1/ask", json={"question": QUESTION})
        assert ask.status_code == 503 and "Chroma server" in ask.json()["error"]["message"]


def test_a_failing_audit_log_never_fails_or_delays_the_answer(api_home, tmp_path, monkeypatch):
    monkeypatch.setattr(audit_schema, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(audit_mod, "RETRIES", (0.05, 0.05))
    app = create_app(settings(api_home, tmp_path))
    with TestClient(app) as client:
        ready(client)
        client.post("/v1/ask", json={"question": QUESTION})
        assert app.state.audit.flush()
        lock = sqlite3.connect(tmp_path / "audit.sqlite", timeout=0)
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the database
        try:
            t0 = time.monotonic()
            r = client.post("/v1/ask", json={"question": QUESTION})
            assert r.status_code == 200 and time.monotonic() - t0 < 2.0
            assert app.state.audit.flush()
            status = client.get("/readyz").json()
            assert status["status"] == "degraded" and status["audit"]["failed"] == 1
            assert "audit write failed" in status["audit"]["last_error"]
        finally:
            lock.rollback()
            lock.close()
        client.post("/v1/ask", json={"question": QUESTION})
        assert app.state.audit.flush()
        status = client.get("/readyz").json()
        assert status["status"] == "ready" and status["audit"]["written"] == 2 and status["audit"]["failed"] == 1


def test_without_an_llm_only_extractive_is_offered(api_home, tmp_path):
    app = create_app(settings(api_home, tmp_path, LLMSettings(backend="openai")))
    with TestClient(app) as client:
        body = ready(client)
        assert body["engines"] == ["extractive"] and "GROUNDED_LLM__URL" in body["llm"]["problem"]
        assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["grounded-extractive"]
        r = client.post("/v1/ask", json={"question": QUESTION, "engine": "llm"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "llm_unavailable"
        assert "GROUNDED_LLM__URL" in r.json()["error"]["message"]


def test_the_ui_mounts_at_root_and_the_api_stays(api_home, tmp_path):
    from starlette.responses import PlainTextResponse

    async def ui(scope, receive, send):
        await PlainTextResponse("chat UI")(scope, receive, send)

    app = create_app(settings(api_home, tmp_path), ui=lambda app: app.mount("/", ui))
    with TestClient(app) as client:
        assert client.get("/").text == "chat UI"
        assert client.get("/healthz").json() == {"status": "alive"}
        assert client.get("/openapi.json").status_code == 200
    with TestClient(create_app(settings(api_home, tmp_path))) as client:
        assert "/docs" in client.get("/").text


def test_docs_are_served_without_a_cdn(api_home, tmp_path):
    with TestClient(create_app(settings(api_home, tmp_path))) as client:
        page = client.get("/docs").text
        assert "cdn" not in page.lower() and "/static-offline-docs/swagger-ui-bundle.js" in page
        assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
        spec = client.get("/openapi.json").json()
        assert {"/v1/ask", "/v1/chat/completions", "/v1/documents/{doc_id}", "/v1/feedback",
                "/v1/answers/{request_id}", "/readyz"} <= set(spec["paths"])


def test_cors_is_off_by_default_and_follows_the_allow_list(api_home, tmp_path):
    preflight = {"Origin": "https://helpdesk.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(settings(api_home, tmp_path))) as client:
        assert "access-control-allow-origin" not in client.options("/v1/ask", headers=preflight).headers
    app = create_app(settings(api_home, tmp_path, cors_origins=["https://helpdesk.example"]))
    with TestClient(app) as client:
        r = client.options("/v1/ask", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "https://helpdesk.example"
        refused = client.options("/v1/ask", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in refused.headers
        # Starlette's CORS middleware refuses in plain text before any route; it leaves in the API's error shape
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/json"
        assert refused.json()["error"]["code"] == "bad_request" and "CORS_ORIGINS" in refused.text


def test_cors_origins_from_the_environment(monkeypatch, tmp_path):
    from assistant.api.settings import load_server_settings

    for value in ('["https://a.example", "https://b.example"]', "https://a.example, https://b.example"):
        monkeypatch.setenv("GROUNDED_API__CORS_ORIGINS", value)
        assert load_server_settings(tmp_path).api.cors_origins == ["https://a.example", "https://b.example"]


def test_a_bad_rate_limit_setting_is_a_clear_start_up_error(api_home, tmp_path):
    with pytest.raises(ConfigError, match="bad rate limit 'lots'"):
        create_app(settings(api_home, tmp_path, rate_limit="lots"))


def test_an_unexpected_failure_is_a_500_json_logged_once(api_home, tmp_path, caplog):
    app = create_app(settings(api_home, tmp_path), load=False)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("a bug")

    with TestClient(app) as client, caplog.at_level("ERROR"):
        r = client.get("/boom")
    err = r.json()["error"]
    assert r.status_code == 500 and err["code"] == "internal" and "RuntimeError" in err["message"]
    assert "a bug" not in r.text and "Traceback" not in r.text  # the details are in the log, not the response
    logged = [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert len(logged) == 1 and err["request_id"] in logged[0].getMessage() and logged[0].exc_info


def test_error_messages_never_tell_clients_where_the_state_is(tmp_path, caplog):
    """A home with no index: /readyz and an answer are 503 saying what to do, with the home named GROUNDED_HOME, not
    its path on the server (the log keeps the path, for the operator)."""
    home = tmp_path / "srv" / "home"
    home.mkdir(parents=True)
    app = create_app(settings(home, tmp_path), load=False)
    with caplog.at_level("ERROR", logger="grounded.api"):
        app.state.service.load()
    with TestClient(app) as client:
        ready_r, ask = client.get("/readyz"), client.post("/v1/ask", json={"question": QUESTION})
    assert ready_r.status_code == 503 and ask.status_code == 503, (ready_r.text, ask.text)
    for text in (ready_r.text, ask.text):
        assert str(tmp_path) not in text and "GROUNDED_HOME" in text and "python -m ingest" in text, text
    assert str(home) in caplog.text
    from assistant.ui.gateway import Gateway, translate

    ui_status = Gateway(app).status()["message"]  # what the chat UI shows
    try:
        app.state.service.require()
    except Exception as exc:  # noqa: BLE001 - the ApiError 503 the chat UI would translate
        ui_error = translate(exc).message
    for text in (ui_status, ui_error):
        assert str(tmp_path) not in text and "GROUNDED_HOME" in text, text
