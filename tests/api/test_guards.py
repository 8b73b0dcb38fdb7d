"""assistant.api.guards.BodyGuard in front of a tiny ASGI app (in process, no server, no index): 415 for a body that
is not JSON, 413 from Content-Length before the app runs or while a chunked body streams in, and nothing checked
outside /v1/ or for methods without a body."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from assistant.api.guards import BodyGuard

LIMIT = 100


class Echo:
    """Reads the whole body and replies with its size and the content type it was given; counts its calls."""

    def __init__(self):
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        ctype = dict(scope["headers"]).get(b"content-type", b"").decode()
        out = json.dumps({"bytes": len(body), "content_type": ctype}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": out})


@pytest.fixture
def echo():
    return Echo()


@pytest.fixture
def client(echo):
    return TestClient(BodyGuard(echo, LIMIT))


@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8", "Application/JSON",
                                   "application/problem+json"])
def test_json_bodies_within_the_limit_pass(client, ctype):
    r = client.post("/v1/ask", content=b'{"question": "x"}', headers={"content-type": ctype})
    assert r.status_code == 200 and r.json()["bytes"] == 17


def test_a_body_that_is_not_json_is_a_415_in_the_error_shape(client, echo):
    r = client.post("/v1/ask", content=b"question=x", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and echo.calls == 0
    err = r.json()["error"]
    assert err["code"] == "unsupported_media_type" and "'application/x-www-form-urlencoded' is not accepted" in \
        err["message"]


def test_a_body_without_a_type_is_read_as_json(client):
    r = client.post("/v1/ask", content=b"{}", headers={"content-type": ""})  # header present but empty: not JSON
    assert r.status_code == 415
    r = client.post("/v1/ask", content=b"{}")
    assert r.status_code == 200 and r.json()["content_type"] == "application/json"


def test_a_declared_length_over_the_limit_is_refused_before_the_app_runs(client, echo):
    r = client.post("/v1/ask", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413 and echo.calls == 0
    assert r.json()["error"] == {"code": "body_too_large", "message": "the request body is over the limit of 100 "
                                 "bytes (GROUNDED_API__MAX_BODY_BYTES)"}
    assert r.headers["connection"] == "close"
    assert client.post("/v1/ask", content=b"x" * LIMIT, headers={"content-type": "application/json"}).status_code == 200


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams_in(client, echo):
    def chunks():
        for _ in range(5):
            yield b"x" * 40

    r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large" and echo.calls == 1


def test_a_length_that_is_no_number_is_refused(client, echo):
    r = client.post("/v1/ask", content=b"{}", headers={"content-type": "application/json", "content-length": "-1"})
    assert r.status_code == 413 and echo.calls == 0


def test_other_paths_and_methods_are_not_checked(client, echo):
    assert client.post("/upload", content=b"x" * 500, headers={"content-type": "text/plain"}).status_code == 200
    assert client.get("/v1/ask").status_code == 200
    assert echo.calls == 2
