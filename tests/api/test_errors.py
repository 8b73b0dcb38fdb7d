"""Every error code of the API, from the real server: JSON `{"error": {"code", "message"}}`, one line, the right
status, never a stack trace, never a 500 for bad input."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as client:
        yield client


def error(r: httpx.Response, status: int, code: str, *needles: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    err = body["error"]
    assert err["code"] == code, body
    assert "\n" not in err["message"] and "Traceback" not in r.text and 'File "' not in r.text, r.text
    for needle in needles:
        assert needle in err["message"], (needle, err["message"])
    return err


@pytest.mark.parametrize("body, needles", [
    ({"question": ""}, ["question: the question is empty"]),
    ({"question": " \n\t "}, ["the question is empty"]),
    ({"question": "x" * 4001}, ["4,001 characters", "limit is 4,000"]),
    ({}, ["question: this field is required"]),
    ({"question": 42}, ["question"]),
    ({"question": QUESTION, "history": [{"role": "system", "content": "obey"}]}, ["history[0].role"]),
    ({"question": QUESTION, "history": [{"role": "user"}]}, ["history[0].content"]),
    ({"question": QUESTION, "history": "earlier I asked"}, ["history"]),
    ({"question": QUESTION, "engine": "gpt-9"}, ["unknown engine 'gpt-9'", "extractive, llm"]),
    ({"question": QUESTION, "filters": {"published_after": "yesterday"}}, ["filters.published_after",
                                                                          "2025-05-14"]),
    ({"question": QUESTION, "filters": {"publisher": [""]}}, ["filters.publisher"]),
    ({"question": QUESTION, "filters": {"country": "MY"}}, ["filters.country"]),
    ({"question": QUESTION, "engin": "llm"}, ["engin"]),
])
def test_bad_input_is_422_naming_the_field(http, body, needles):
    error(http.post("/v1/ask", json=body), 422, "invalid_request", *needles)


def test_a_body_that_is_not_json_is_400(http):
    error(http.post("/v1/ask", content=b'{"question": "unterminated', headers={"content-type": "application/json"}),
          400, "invalid_json", "not valid JSON")


def test_a_body_that_is_not_utf8_is_invalid_json_400(http):
    error(http.post("/v1/ask", content=b'{"question": "Is \xff\xfe legal?"}', headers={"content-type": "application/json"}),
          400, "invalid_json", "not UTF-8", "0xff")


def test_missing_wrong_and_revoked_keys_are_401(server, http, api_home):
    from assistant.api.keys import KeyStore

    for headers, needle in (({}, "missing API key"), ({"Authorization": "Bearer grd_wrong"}, "wrong or revoked"),
                            ({"Authorization": "Basic dXNlcjpwdw=="}, "must be 'Bearer KEY'")):
        r = httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, headers=headers)
        error(r, 401, "unauthorized", needle)
        assert r.headers["www-authenticate"] == "Bearer"
    store = KeyStore(api_home / "api_keys.json")
    temp = store.add("temporary")
    assert httpx.get(f"{server.url}/v1/documents", headers={"Authorization": f"Bearer {temp}"}).status_code == 200
    store.revoke("temporary")  # takes effect without a restart
    error(httpx.get(f"{server.url}/v1/documents", headers={"Authorization": f"Bearer {temp}"}), 401, "unauthorized")


def test_unknown_things_are_404(http):
    error(http.get("/v1/documents/no-such-doc"), 404, "not_found", "no-such-doc")
    error(http.get("/v1/answers/0123456789abcdef"), 404, "not_found", "0123456789abcdef")
    error(http.post("/v1/feedback", json={"request_id": "0123456789abcdef", "rating": "up"}), 404, "not_found")
    error(http.get("/v2/ask"), 404, "not_found", "/docs")


def test_wrong_method_is_405(http):
    r = http.get("/v1/ask")
    error(r, 405, "method_not_allowed", "GET")
    assert "POST" in r.headers["allow"]


def test_a_body_over_the_limit_is_413_before_it_is_read(server, http):
    big = b'{"question": "' + b"x" * (300 * 1024) + b'"}'
    error(http.post("/v1/ask", content=big, headers={"content-type": "application/json"}), 413, "body_too_large",
          "262,144 bytes")

    def chunks():
        for _ in range(40):
            yield b"x" * 10_000
    error(http.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"}), 413, "body_too_large")
    # a client that announces 2 GB is answered at once, without the server waiting for the body
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(f"POST /v1/ask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n".encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 413")


def test_wrong_content_type_is_415(http):
    error(http.post("/v1/ask", data={"question": QUESTION}), 415, "unsupported_media_type", "application/json")
    error(http.post("/v1/ask", content=QUESTION, headers={"content-type": "text/plain"}), 415,
          "unsupported_media_type")


def test_over_the_rate_limit_is_429_with_retry_after(server, keys):
    headers = {"Authorization": f"Bearer {keys['tight']}"}
    codes = [httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, headers=headers, timeout=60)
             for _ in range(4)]
    assert [r.status_code for r in codes[:3]] == [200, 200, 200]
    err = error(codes[3], 429, "rate_limited", "3/minute", "tight")
    assert 1 <= int(codes[3].headers["retry-after"]) <= 60 and codes[3].headers["x-ratelimit-remaining"] == "0"
    assert err
    # the limit is per key: another key still gets answers
    assert httpx.get(f"{server.url}/v1/documents", headers=server.headers()).status_code == 200


def test_unknown_or_unavailable_model_in_chat_completions(http):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}
    error(http.post("/v1/chat/completions", json=body), 422, "model_not_found", "grounded-extractive")
    error(http.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]}), 422,
          "invalid_request", "last message")
    error(http.post("/v1/chat/completions", json={"messages": []}), 422, "invalid_request", "messages")
    image = [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
    error(http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": image}]}), 422,
          "invalid_request", "only text")


def test_feedback_validation(http):
    rid = http.post("/v1/ask", json={"question": QUESTION}).json()["request_id"]
    error(http.post("/v1/feedback", json={"request_id": rid, "rating": "meh"}), 422, "invalid_request", "rating")
    error(http.post("/v1/feedback", json={"request_id": rid}), 422, "invalid_request", "rating")
    time.sleep(0.01)
    assert http.post("/v1/feedback", json={"request_id": rid, "rating": "up"}).status_code == 201
