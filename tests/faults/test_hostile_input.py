"""Hostile input at the HTTP edge: over-long and binary-laden questions, deeply nested and huge JSON, wrong content
types, invalid UTF-8, path traversal in `doc_id`, header injection and huge headers. Every one is answered with a 4xx
in the one error shape (`{"error": {"code", "message"[, "param"]}}`, compact JSON), never a 500, never a stack trace.

In process (TestClient) for what the app sees; through a real uvicorn on loopback (the same app, in a thread) for what
only raw bytes on a socket can send (CR/LF inside a header, a header over the server's limit)."""

from __future__ import annotations

import json
import socket

import pytest
from fastapi.testclient import TestClient

from tests.faults.conftest import serving

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"
JSON = {"content-type": "application/json"}
SEEN: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module", autouse=True)
def _count():
    yield
    codes: dict[int, int] = {}
    for _, status in SEEN:
        codes[status] = codes.get(status, 0) + 1
    print(f"\nhostile requests: {len(SEEN)}, by status {dict(sorted(codes.items()))}")


def one_error(r, status: int | tuple[int, ...], *needles: str) -> dict:
    """The response is `status` in the one error shape, compact, one line, without a stack trace."""
    SEEN.append((str(r.request.url)[:80], r.status_code))
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert list(body) == ["error"] and {"code", "message"} <= set(body["error"]) <= {"code", "message", "param"}
    assert r.content == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert "\n" not in body["error"]["message"] and "Traceback" not in r.text and 'File "' not in r.text
    for needle in needles:
        assert needle in body["error"]["message"], (needle, body)
    return body["error"]


def answered(r) -> dict:
    SEEN.append((str(r.request.url)[:80], r.status_code))
    assert r.status_code == 200, r.text[:500]
    return r.json()


# --- questions --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("/v1/ask", {"question": "x" * 4001}),
    ("/v1/ask", {"question": "Is it legal? " * 15_000}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "y" * 10_000}]}),
])
def test_over_long_questions_are_422(client, path, body):
    one_error(client.post(path, json=body), 422, "characters long", "limit is 4,000")


@pytest.mark.parametrize("question", [
    "Is \x00testing\x00 a Huawei Ascend 910D in Malaysia a violation?",
    "\x1b[31mWho\x1b[0m is the Under Secretary?\x07\x08\x7f",
    "Who is \ud800 the Under Secretary of Commerce?",          # a lone surrogate: valid JSON, not encodable UTF-8
    "\ufeff\u202e\u200bWho\u2028is\u2029the Under Secretary?\uffff",
    "".join(chr(c) for c in range(1, 32)) + " Commerce",
    "\U0001f600" * 500,
])
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/chat/completions"])
def test_binary_laden_questions_are_answered_or_refused_cleanly(client, app, path, question):
    body = {"question": question} if path == "/v1/ask" else {"messages": [{"role": "user", "content": question}]}
    r = client.post(path, content=json.dumps(body).encode(), headers=JSON)  # \\ud800 escaped: valid JSON
    if r.status_code == 200:
        data = answered(r)
        text = data["answer"] if path == "/v1/ask" else data["choices"][0]["message"]["content"]
        assert isinstance(text, str) and text
    else:
        assert one_error(r, 422, "lone surrogate")["param"] in ("question", "messages[0].content")
    assert app.state.audit.flush()


def test_binary_in_history_and_filters(client):
    body = {"question": QUESTION, "history": [{"role": "user", "content": "\x00\ud800\x1b"}],
            "filters": {"publisher": "\x00\ud800"}}
    r = client.post("/v1/ask", content=json.dumps(body).encode(), headers=JSON)
    err = one_error(r, 422)  # pydantic's own check of a length-limited str, or ours (schemas.Request)
    assert err["param"] == "history[0].content" and ("surrogate" in err["message"] or "unicode" in err["message"])


# --- JSON shape ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1000, 50_000])
def test_deeply_nested_json_is_refused(client, depth):
    body = '{"question": "q", "history": ' + "[" * depth + "]" * depth + "}"
    one_error(client.post("/v1/ask", content=body.encode(), headers=JSON), (400, 422))


def test_deeply_nested_objects_in_chat_extra_fields(client):
    nested = '{"a":' * 20_000 + "1" + "}" * 20_000
    body = '{"messages": [{"role": "user", "content": "' + QUESTION + '"}], "metadata": ' + nested + "}"
    r = client.post("/v1/chat/completions", content=body.encode(), headers=JSON)
    one_error(r, (400, 413, 422))


def test_huge_json_under_the_byte_limit(client):
    many_keys = {f"k{i}": i for i in range(10_000)}
    one_error(client.post("/v1/ask", json={"question": QUESTION, **many_keys}), 422, "k0")
    long_history = [{"role": "user", "content": "hi"}] * 5_000
    one_error(client.post("/v1/ask", json={"question": QUESTION, "history": long_history}), 422, "history")
    messages = [{"role": "user", "content": "hi"}] * 5_000
    one_error(client.post("/v1/chat/completions", json={"messages": messages}), 422, "history")


def test_huge_json_over_the_byte_limit_is_413(client):
    one_error(client.post("/v1/ask", content=b'{"question": "' + b"a" * 2_000_000 + b'"}', headers=JSON), 413,
              "262,144 bytes")
    one_error(client.post("/v1/chat/completions", content=b"[" * 300_000, headers=JSON), 413)


@pytest.mark.parametrize("body", [b"null", b"[]", b"42", b'"question"', b'{"question": null}', b"{}",
                                  b'{"question": "q", "question": 1}', b"NaN", b'{"question": "q"} trailing'])
def test_json_that_is_not_a_request_object(client, body):
    one_error(client.post("/v1/ask", content=body, headers=JSON), (400, 422))


# --- content types and encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                                   "application/xml", "image/png", "application/jsonp", "json", ";;;", "*/*",
                                   "application/json\x7f"])
def test_wrong_content_types_are_415(client, ctype):
    one_error(client.post("/v1/ask", content=json.dumps({"question": QUESTION}).encode(),
                          headers={"content-type": ctype}), 415, "application/json")


@pytest.mark.parametrize("body", [b'{"question": "\xff\xfe"}', b'{"question": "caf\xe9"}', b"\xef\xbb\xbf\x80",
                                  b'{"question": "\xe2\x82"}'])
@pytest.mark.parametrize("path", ["/v1/ask", "/v1/chat/completions", "/v1/feedback"])
def test_invalid_utf8_bodies_are_400(client, path, body):
    one_error(client.post(path, content=body, headers=JSON), 400, "not UTF-8")


@pytest.mark.parametrize("path, body, param", [
    ("/v1/ask", b'{"question": "Who \xed\xa0\x80 is it?"}', "question"),   # UTF-8 bytes of a surrogate
    ("/v1/ask", b'{"question": "Who \\udfff is it?"}', "question"),         # JSON escape of a lone surrogate
    ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": "\xed\xa0\x80"}]}', "messages[0].content"),
    ("/v1/chat/completions", b'{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\ud800"}]}]}',
     "messages[0].content"),
    ("/v1/feedback", b'{"request_id": "abc", "rating": "up", "comment": "\\ud800"}', "comment"),
])
def test_lone_surrogates_are_422_naming_the_field(client, path, body, param):
    """Python's json reads both forms into a str that UTF-8 cannot encode: before the fix, a 500 (UnicodeEncodeError
    when the answer or its audit row was written)."""
    err = one_error(client.post(path, content=body, headers=JSON), 422)
    assert err["param"] == param and ("lone surrogate" in err["message"] or "unicode string" in err["message"]), err


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/chat/completions"])
def test_utf16_json_is_read_as_json(client, path):
    """Python's json detects UTF-16 and UTF-32 from the first bytes (RFC 4627): such a body is read, not a 500."""
    body = {"question": QUESTION} if path == "/v1/ask" else {"messages": [{"role": "user", "content": QUESTION}]}
    r = client.post(path, content=json.dumps(body).encode("utf-16"), headers=JSON)
    SEEN.append((path, r.status_code))
    assert r.status_code == 200, r.text[:300]


def test_json_with_a_charset_other_than_utf8(client):
    r = client.post("/v1/ask", content='{"question": "Qui est le sous-secrétaire?"}'.encode("latin-1"),
                    headers={"content-type": "application/json; charset=latin-1"})
    one_error(r, 400, "not UTF-8")


# --- path traversal -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc_id", [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd", "%252e%252e%252fetc%252fpasswd",
    "..\\..\\windows\\win.ini", "/etc/passwd", "%2Fetc%2Fpasswd", "....//....//etc/passwd", "etc/passwd%00.txt",
    "%00", "..%c0%af..%c0%afetc%c0%afpasswd", "cgtn-us-chip-guidance-deeper-fears/../../../etc/passwd",
    "..;/..;/etc/passwd", "%2e%2e%5c%2e%2e%5cetc%5cpasswd",
])
def test_path_traversal_in_doc_id_is_404(client, doc_id):
    r = client.get(f"/v1/documents/{doc_id}")
    err = one_error(r, (404, 400))
    assert "root:" not in r.text and "[extensions]" not in r.text
    if r.status_code == 404:
        assert err["code"] == "not_found"


def test_path_traversal_in_request_id(client):
    for rid in ("../../etc/passwd", "..%2F..%2Faudit.sqlite", "%00"):
        one_error(client.get(f"/v1/answers/{rid}"), (404, 422))
        one_error(client.post("/v1/feedback", json={"request_id": rid, "rating": "up"}), (404, 422))


# --- headers ------------------------------------------------------------------------------------------------------

def test_odd_header_values_in_process(client):
    """Header values the app itself sees: a bearer key with control characters, an absurd Accept, a Content-Length
    that is not a number."""
    r = client.post("/v1/ask", json={"question": QUESTION}, headers={"Accept": "text/event-stream" * 200})
    assert r.status_code == 200
    one_error(client.post("/v1/ask", content=b'{"question": "q"}',
                          headers={**JSON, "content-length": "-1"}), (400, 413))


@pytest.fixture(scope="module")
def live(app):
    with serving(app) as port:
        yield port


def raw(port: int, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(request)
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except TimeoutError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if length is not None and len(body) >= length:
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower().decode(): v.strip().decode("latin-1") for k, v in
               (line.split(b":", 1) for line in lines[1:] if b":" in line)}
    SEEN.append(("raw", status))
    return status, headers, body


def post(path: str, body: bytes, *extra: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode() + b"".join(e + b"\r\n" for e in extra) \
        + b"\r\n" + body


@pytest.mark.parametrize("header", [
    b"X-Test: a\rInjected: yes",            # a bare CR inside a value
    b"X-Test: a\nInjected: yes",            # a bare LF
    b"X-Test: a\x00b",                      # NUL in a value
    b"Bad Header: x",                       # a space in a name
    b"X-Test\r\n : folded",                 # obsolete line folding
])
def test_header_injection_is_refused_before_the_app(live, header):
    """CR, LF or NUL inside a header never reaches a handler: the server refuses the request (400) and nothing is
    reflected into a response header."""
    status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(), header))
    assert 400 <= status < 500, (status, body[:300])
    assert "injected" not in headers and b"Traceback" not in body


def test_crlf_in_a_value_that_could_be_reflected(live):
    """A request id or an origin with CR/LF cannot split the response: X-Request-ID is the server's own."""
    status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(),
                                           b"X-Request-ID: abc%0d%0aSet-Cookie:%20x=1", b"Origin: http://x%0d%0aA: b"))
    assert status == 200 and "set-cookie" not in headers and headers["x-request-id"] != "abc%0d%0aSet-Cookie:%20x=1"


@pytest.mark.parametrize("size", [20_000, 200_000])
def test_huge_headers_are_refused(live, size):
    status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(),
                                           b"X-Big: " + b"a" * size))
    assert status in (200, 400, 413, 431), status
    assert b"Traceback" not in body


def test_many_headers(live):
    extra = [f"X-H{i}: v".encode() for i in range(2000)]
    status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(), *extra))
    assert status in (200, 400, 431), status
    assert b"Traceback" not in body


def test_huge_authorization_header_is_401_in_the_error_shape(live, app):
    app.state.keys.add("hostile")  # keys on: every /v1 request needs one
    try:
        status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(),
                                               b"Authorization: Bearer " + b"k" * 8000))
        assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
        status, headers, body = raw(live, post("/v1/ask", json.dumps({"question": QUESTION}).encode(),
                                               b"Authorization: Bearer \xff\xfe\x80"))
        assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
    finally:
        app.state.keys.revoke("hostile")
