"""assistant.api.access: bearer-key authentication and per-key rate limits as FastAPI dependencies, on a tiny app with
the product's error handlers, a real key file in a temporary directory and the in-memory limiter (no index, no
server process)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from assistant.api import errors
from assistant.api.access import AnswerCaller, OtherCaller, rate_headers
from assistant.api.keys import KeyStore
from assistant.api.limits import RateLimiter
from assistant.api.settings import ApiSettings


def _app(tmp_path, require_keys=False) -> tuple[TestClient, KeyStore]:
    app = FastAPI()
    errors.install(app)
    keys = KeyStore(tmp_path / "keys.json")
    app.state.keys, app.state.require_keys, app.state.limiter = keys, require_keys, RateLimiter()
    app.state.settings = SimpleNamespace(api=ApiSettings(rate_limit="2/minute", rate_limit_other="3/minute"))

    @app.post("/v1/ask")
    async def ask(request: Request, who: AnswerCaller):
        return {"identity": who.identity, "key": who.key_name, "headers": rate_headers(request)}

    @app.get("/v1/documents")
    async def documents(who: OtherCaller):
        return {"identity": who.identity}

    return TestClient(app), keys


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_keys_callers_are_anonymous_and_known_by_address(tmp_path):
    client, _ = _app(tmp_path)
    body = client.post("/v1/ask").json()
    assert body["identity"] == "addr:testclient" and body["key"] is None
    headers = body["headers"]
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert headers["X-RateLimit-Reset"] in ("60", "61")  # the window's end, rounded up, seen a moment after it began


def test_a_server_that_requires_keys_never_opens_up_without_one(tmp_path):
    client, keys = _app(tmp_path, require_keys=True)
    r = client.post("/v1/ask")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "requires an API key and none is active" in r.json()["error"]["message"]
    keys.add("alice")
    keys.revoke("alice")  # every key revoked: still closed
    assert client.post("/v1/ask").status_code == 401


@pytest.mark.parametrize("headers, message", [
    ({}, "missing API key: send the header 'Authorization: Bearer KEY'"),
    ({"Authorization": "Basic YWxpY2U6eA=="}, "the Authorization header must be 'Bearer KEY'"),
    (_bearer("gk-not-a-key"), "wrong or revoked API key"),
])
def test_with_keys_a_missing_malformed_or_wrong_key_is_a_401(tmp_path, headers, message):
    client, keys = _app(tmp_path)
    keys.add("alice")
    r = client.post("/v1/ask", headers=headers)
    assert r.status_code == 401 and r.json()["error"] == {"code": "unauthorized", "message": message}
    assert r.headers["www-authenticate"] == "Bearer"


def test_the_right_key_is_the_caller_until_it_is_revoked(tmp_path):
    client, keys = _app(tmp_path)
    key = keys.add("alice")
    assert client.post("/v1/ask", headers=_bearer(key)).json()["identity"] == "key:alice"
    keys.revoke("alice")
    keys.add("bob")  # keys still active, so alice's is now simply wrong
    assert client.post("/v1/ask", headers=_bearer(key)).status_code == 401


def test_answers_and_other_requests_are_limited_separately_per_key(tmp_path):
    client, keys = _app(tmp_path)
    alice, bob = keys.add("alice"), keys.add("bob")
    codes = [client.post("/v1/ask", headers=_bearer(alice)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.post("/v1/ask", headers=_bearer(alice))
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["message"].startswith("rate limit 2/minute reached for alice; retry in ")
    assert client.post("/v1/ask", headers=_bearer(bob)).status_code == 200  # bob counts on his own
    assert [client.get("/v1/documents", headers=_bearer(alice)).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_keys_own_limit_replaces_the_servers_for_answers_only(tmp_path):
    client, keys = _app(tmp_path)
    carol = keys.add("carol", rate_limit="1/minute")
    assert [client.post("/v1/ask", headers=_bearer(carol)).status_code for _ in range(2)] == [200, 429]
    assert [client.get("/v1/documents", headers=_bearer(carol)).status_code for _ in range(3)] == [200, 200, 200]
