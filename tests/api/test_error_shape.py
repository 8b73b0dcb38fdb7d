"""assistant.api.error_shape: which error bodies are rewritten into the API's `{"error": {"code", "message"}}` shape,
what they then say, and the middleware around a tiny ASGI app (in process, no server)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from assistant.api.error_shape import ErrorShape, conforms, reshaped, reshapes

JSON, TEXT = "application/json", "text/plain; charset=utf-8"
GOOD = b'{"error":{"code":"not_found","message":"no such answer"}}'


@pytest.mark.parametrize("body, ctype, ok", [
    (GOOD, JSON, True),
    (GOOD, TEXT, False),  # the shape, but not declared JSON
    (b'{"detail":"Not Found"}', JSON, False),
    (b'{"error":{"code":404,"message":"x"}}', JSON, False),  # the code must be a string
    (b'{"error":"x"}', JSON, False),
    (b"[1, 2]", JSON, False),
    (b"\xff not json", JSON, False),
])
def test_conforms(body, ctype, ok):
    assert conforms(body, ctype) is ok


@pytest.mark.parametrize("path, status, body, ctype, rewrite", [
    ("/v1/ask", 422, b'{"detail":[{"loc":["body"]}]}', JSON, True),  # anything on the API's paths
    ("/healthz", 500, b"Internal Server Error", TEXT, True),
    ("/v1/ask", 404, GOOD, JSON, False),  # already in shape
    ("/", 404, b'{"detail":"Not Found"}', JSON, True),  # the router's default 404 on the UI's paths
    ("/chat", 405, b"Method Not Allowed", TEXT, True),
    ("/", 400, b"Disallowed CORS origin", TEXT, True),
    ("/file=x", 403, b'{"detail":"File not allowed"}', JSON, False),  # the UI's own error, left for its page
    ("/gradio_api/queue/join", 404, b'{"detail":"Not Found"}', JSON, False),  # the UI's protocol: never
    ("/v1x", 404, b"Not Found", TEXT, True),  # not an API path, but the default 404
])
def test_reshapes(path, status, body, ctype, rewrite):
    assert reshapes(path, status, body, ctype) is rewrite


def test_reshaped_says_what_the_body_said_or_what_the_status_means():
    def error(*args):
        return json.loads(reshaped(*args))["error"]

    assert error(404, b'{"detail":"Not Found"}', JSON, "GET", "/v1/nope") == {
        "code": "not_found", "message": "no such endpoint: GET /v1/nope (the API is described at /docs)"}
    assert error(405, b"", TEXT, "DELETE", "/v1/ask") == {"code": "method_not_allowed",
                                                        "message": "DELETE is not allowed on /v1/ask"}
    assert error(400, b"Disallowed CORS origin", TEXT, "OPTIONS", "/v1/ask")["message"].startswith(
        "this browser origin is not allowed")
    assert error(503, b'{"detail":"warming up"}', JSON, "GET", "/readyz") == {"code": "unavailable",
                                                                            "message": "warming up"}
    assert error(422, b'{"detail":[{"loc":["body"]}]}', JSON, "POST", "/v1/ask")["message"] == '[{"loc": ["body"]}]'
    assert error(418, b"", TEXT, "GET", "/v1/tea") == {"code": "error", "message": "HTTP 418"}


def _app(status: int, body: bytes, ctype: str, extra_headers=()):
    async def app(scope, receive, send):
        headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()), *extra_headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        half = len(body) // 2  # in two pieces: the middleware must hold the first until the last
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})
    return app


def test_the_middleware_rewrites_an_error_body_and_keeps_status_and_headers():
    client = TestClient(ErrorShape(_app(429, b"Too Many Requests", TEXT, [(b"retry-after", b"7")])))
    r = client.get("/v1/ask")
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
    assert r.headers["content-type"] == "application/json" and int(r.headers["content-length"]) == len(r.content)
    assert r.json() == {"error": {"code": "rate_limited", "message": "Too Many Requests"}}


def test_the_middleware_passes_success_conforming_errors_and_the_uis_protocol_untouched():
    assert TestClient(ErrorShape(_app(200, b"plain ok", TEXT))).get("/v1/ask").content == b"plain ok"
    assert TestClient(ErrorShape(_app(404, GOOD, JSON))).get("/v1/x").content == GOOD
    r = TestClient(ErrorShape(_app(404, b'{"detail":"Not Found"}', JSON))).get("/gradio_api/x")
    assert r.json() == {"detail": "Not Found"}
