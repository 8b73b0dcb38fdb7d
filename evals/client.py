"""HTTP client for a running server (`python -m evals run --url URL`): the eval harness as one of the API's users.

`POST {url}/v1/ask` with the request of ../shared/design/API.md returns the answer; `GET {url}/v1/documents/{doc_id}`
returns the document, assumed to be a JSON object whose `"text"` field is the cleaned text that citations point
into at `[start, end)` (API.md: "metadata and cleaned text"). `Authorization: Bearer KEY` is sent when a key is
given. Every failure becomes a `GroundedError` with a one-line message: the server is unreachable or timed out
(exit 4), refused the key (401/403, exit 2), rejected the request or broke the contract (exit 1), failed (5xx, exit 4).
"""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx

from kernel.errors import GroundedError


class ServerUnavailableError(GroundedError):
    """The server cannot be reached, timed out, or answered 5xx."""

    code = "server_unavailable"
    exit_code = 4


class ServerAuthError(GroundedError):
    """The server refused the API key (401/403)."""

    code = "unauthorized"
    exit_code = 2


class ServerRequestError(GroundedError):
    """The server rejected the request (4xx) or answered with something the contract does not allow."""

    code = "bad_response"
    exit_code = 1


_CITATION_FIELDS = {"id": int, "doc_id": str, "quote": str, "start": int, "end": int}


def _error_detail(response: httpx.Response) -> str:
    """`code: message` from a `{"error": {"code", "message"}}` body, else the start of the body on one line."""
    try:
        err = response.json().get("error")
        if isinstance(err, dict) and (err.get("code") or err.get("message")):
            return ": ".join(str(x) for x in (err.get("code"), err.get("message")) if x)
    except (ValueError, AttributeError):
        pass
    text = " ".join(response.text.split())
    return text[:200] or response.reason_phrase or "no body"


def check_answer(data: object, where: str) -> dict:
    """The /v1/ask response, checked for the fields the scoring reads; ServerRequestError names the first gap."""
    def broken(what: str):
        return ServerRequestError(f"{where}: the response breaks the /v1/ask contract (API.md): {what}")

    if not isinstance(data, dict):
        raise broken("not a JSON object")
    for key, kind in (("answer", str), ("abstained", bool), ("citations", list)):
        if not isinstance(data.get(key), kind):
            raise broken(f"{key!r} missing or not a {kind.__name__}")
    for i, c in enumerate(data["citations"]):
        if not isinstance(c, dict):
            raise broken(f"citations[{i}] is not an object")
        for key, kind in _CITATION_FIELDS.items():
            if not isinstance(c.get(key), kind) or isinstance(c.get(key), bool):
                raise broken(f"citations[{i}].{key} missing or not a {kind.__name__}")
    if not isinstance(data.get("timings_ms", {}), dict):
        raise broken("'timings_ms' is not an object")
    return data


class Client:
    """A running server's `/v1/ask` and `/v1/documents/{doc_id}`; documents are fetched once and cached."""

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 300.0,
                 transport: httpx.BaseTransport | None = None):
        if not url.startswith(("http://", "https://")):
            raise ServerRequestError(f"--url must start with http:// or https://, not {url!r}")
        self.base = url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "grounded-evals"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.http = httpx.Client(base_url=self.base, headers=headers, transport=transport,
                                 timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))
        self._texts: dict[str, str | None] = {}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        where = f"{method} {self.base}{path}"
        try:
            response = self.http.request(method, path, **kw)
        except httpx.TimeoutException:
            raise ServerUnavailableError(f"{where}: no answer within {self.http.timeout.read:g} s") from None
        except httpx.ConnectError as exc:
            reason = str(exc) or "connection failed"
            if "refused" in reason.lower() or "errno 111" in reason.lower():
                reason = "connection refused"
            raise ServerUnavailableError(f"{where}: cannot reach the server ({reason}); is it running?") from None
        except httpx.HTTPError as exc:
            raise ServerUnavailableError(f"{where}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code in (401, 403):
            raise ServerAuthError(f"{where}: HTTP {response.status_code} {_error_detail(response)} "
                                  "(pass --api-key KEY or set GROUNDED_API_KEY)")
        if response.status_code >= 500:
            raise ServerUnavailableError(f"{where}: HTTP {response.status_code} {_error_detail(response)}")
        if response.status_code >= 400 and response.status_code != 404:
            raise ServerRequestError(f"{where}: HTTP {response.status_code} {_error_detail(response)}")
        return response

    def _json(self, response: httpx.Response, where: str) -> object:
        try:
            return response.json()
        except ValueError:
            raise ServerRequestError(f"{where}: the response is not JSON: {' '.join(response.text.split())[:120]!r}")\
                from None

    def ask(self, question: str, history: list[dict] | None = None, engine: str | None = None,
            filters: dict | None = None) -> dict:
        """One answer, the /v1/ask response object; `timings_ms.roundtrip` adds the client-side time."""
        body: dict = {"question": question, "history": list(history or [])}
        if engine:
            body["engine"] = engine
        if filters:
            body["filters"] = filters
        where = f"POST {self.base}/v1/ask"
        t0 = time.perf_counter()
        response = self._request("POST", "/v1/ask", json=body)
        if response.status_code == 404:
            raise ServerRequestError(f"{where}: HTTP 404 {_error_detail(response)} (is {self.base} the API's base URL?)")
        data = check_answer(self._json(response, where), where)
        data.setdefault("timings_ms", {})["roundtrip"] = round((time.perf_counter() - t0) * 1e3, 2)
        return data

    def document(self, doc_id: str) -> dict | None:
        """The document object (metadata and cleaned text), or None when the server does not know the id (404)."""
        path = f"/v1/documents/{quote(doc_id, safe='')}"
        where = f"GET {self.base}{path}"
        response = self._request("GET", path)
        if response.status_code == 404:
            return None
        data = self._json(response, where)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ServerRequestError(f"{where}: expected a JSON object with the document's cleaned text in 'text'")
        return data

    def doc_text(self, doc_id: str) -> str | None:
        """The cleaned text of a document (cached), None when unknown: its citations then count as invalid."""
        if doc_id not in self._texts:
            doc = self.document(doc_id)
            self._texts[doc_id] = doc["text"] if doc is not None else None
        return self._texts[doc_id]
