"""Every error code of the API, from the real server: JSON `{"error": {"code", "message"}}`, one line, the right
status, never a stack trace, never a 500 for bad input."""

from __future__ import annotations

import json
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
    err = error(http.post("/v1/chat/completions", json=body), 404, "model_not_found", "grounded-extractive")
    assert err["param"] == "model"  # OpenAI's own answer to an unknown model: 404 model_not_found
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


@pytest.mark.parametrize("path, body, param", [
    ("/v1/ask", {"question": QUESTION, "filters": {"publisher": ["No Such Times"]}}, "filters.publisher"),
    ("/v1/ask", {"question": QUESTION, "stream": True, "filters": {"publisher": "No Such Times"}}, "filters.publisher"),
    ("/v1/ask", {"question": QUESTION, "filters": {"published_after": "2025-06-01", "published_before": "2025-01-01"}},
     "filters.published_before"),
    ("/v1/ask", {"question": QUESTION, "filters": {"published_after": "June"}}, "filters.published_after"),
    ("/v1/ask", {"question": QUESTION, "engine": "gpt-9"}, "engine"),
    ("/v1/ask", {"question": "  "}, "question"),
    ("/v1/ask", {"question": "x" * 4001}, "question"),
    ("/v1/chat/completions", {"model": "grounded-gpt", "messages": [{"role": "user", "content": QUESTION}]}, "model"),
    ("/v1/chat/completions", {"messages": [{"role": "tool", "content": "x"}, {"role": "user", "content": QUESTION}]},
     "messages[0].role"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}], "stream_options":
                              {"include_usage": "maybe"}}, "stream_options.include_usage"),
    ("/v1/feedback", {"request_id": "0123456789abcdef", "rating": "up"}, "request_id"),
])
def test_an_error_about_a_field_names_it_in_param(http, path, body, param):
    """As OpenAI's errors do: `param` is the request field at fault (a stream is refused before it starts)."""
    r = http.post(path, json=body)
    assert r.status_code in (404, 422) and r.headers["content-type"] == "application/json", r.text
    assert r.json()["error"]["param"] == param, r.text


def test_path_and_query_parameters_are_named_as_they_are_written(http):
    assert http.get("/v1/answers/bad id").json()["error"]["param"] == "request_id"
    assert http.get("/v1/documents", params={"limit": 0}).json()["error"]["param"] == "limit"


def test_every_error_has_one_shape_and_one_serialisation(server, http):
    """Errors made by the routes, by validation, by Starlette's router, by the body guard (413, 415) and by the chat
    UI's mount (an unknown path outside /v1) all carry `{"error": {"code", "message"[, "param"]}}`, as compact JSON."""
    port = int(server.url.rsplit(":", 1)[1])
    raw = {"content-type": "application/json"}
    responses = {
        "400": http.post("/v1/ask", content=b"{", headers=raw),
        "401": httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}),
        "404 document": http.get("/v1/documents/nope"),
        "404 /v1 route": http.get("/v1/nope"),
        "404 other route": http.get("/no/such/page"),
        "405": http.put("/readyz"),
        "405 /v1": http.delete("/v1/ask"),
        "413": http.post("/v1/ask", content=b'{"question": "' + b"x" * 300_000 + b'"}', headers=raw),
        "415": http.post("/v1/ask", content=QUESTION, headers={"content-type": "text/plain"}),
        "422": http.post("/v1/ask", json={"question": ""}),
        "422 chat": http.post("/v1/chat/completions", json={"messages": []}),
    }
    for what, r in responses.items():
        assert r.status_code == int(what[:3]), (what, r.status_code, r.text)
        assert r.headers["content-type"] == "application/json", (what, r.headers)
        body = r.json()
        assert list(body) == ["error"] and {"code", "message"} <= set(body["error"]) <= {"code", "message", "param"}
        assert r.content == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), (what, r.text)
    assert responses["405"].headers["allow"] == "GET"
    assert "/no/such/page" in responses["404 other route"].json()["error"]["message"]
    # the 413 refused from its Content-Length is the same bytes as one refused while reading (no route involved)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"POST /v1/ask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n".encode())
        reply = b""
        while part := s.recv(4096):  # the server closes the connection after its reply
            reply += part
    assert reply.endswith(responses["413"].content), reply
