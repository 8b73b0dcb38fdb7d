"""One error shape for every error the server sends, wherever it was made.

The route handlers, FastAPI's validation and Starlette's 404 / 405 go through `errors.install`'s handlers; the body
guard (413 / 415) writes the same bytes itself. What neither sees is made outside them: Starlette's CORS middleware
refusing a preflight (`400 Disallowed CORS origin`, plain text), a mounted app's own `{"detail": "Not Found"}` (the
chat UI at `/`), or anything a library adds later. `ErrorShape`, the outermost middleware, looks at every response
with status >= 400 and rewrites a body that is not `{"error": {"code", "message", ...}}` into that shape, keeping the
status and the headers (Retry-After, Allow, WWW-Authenticate). Successful responses and streams pass untouched; only
an error body (small) is held until it is complete.

Which bodies are reshaped: on the API's paths (`/v1/...`, `/healthz`, `/readyz`, `/docs`, `/openapi.json`) every
error body that does not conform; elsewhere (the chat UI's paths, whose gradio page may read gradio's own
`{"detail": ...}` bodies) only the router's default 404 / 405 (an unknown path, a wrong method) and the CORS refusal;
under `/gradio_api/`, the UI's own protocol, nothing.
"""

from __future__ import annotations

import json
import re

from assistant.api.errors import STATUS_CODES, error_bytes

API_PATHS = re.compile(r"^/(v\d+(/|$)|healthz$|readyz$|docs|redoc|openapi\.json$|static-offline-docs/)")
UI_PROTOCOL = re.compile(r"^/gradio_api(/|$)")  # the chat UI's own protocol: gradio's page reads its bodies
DEFAULTS = {(404, "Not Found"), (405, "Method Not Allowed"), (400, "Disallowed CORS origin")}
DROP = {b"content-length", b"content-type"}


def _said(body: bytes, content_type: str) -> str:
    """What an error body says: its JSON `detail` (or the JSON itself), or its text."""
    if "json" in content_type:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return body.decode("utf-8", "replace")
        detail = data.get("detail") if isinstance(data, dict) else None
        return detail if isinstance(detail, str) else json.dumps(detail if detail is not None else data)
    return body.decode("utf-8", "replace")


def reshapes(path: str, status: int, body: bytes, content_type: str) -> bool:
    """True when this error response must be rewritten (see the module docstring)."""
    if UI_PROTOCOL.match(path) or conforms(body, content_type):
        return False
    return bool(API_PATHS.match(path)) or (status, _said(body, content_type).strip()) in DEFAULTS


def conforms(body: bytes, content_type: str) -> bool:
    """True when `body` is already `{"error": {"code": str, "message": str, ...}}` JSON."""
    if "json" not in content_type:
        return False
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    err = data.get("error") if isinstance(data, dict) else None
    return isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)


def reshaped(status: int, body: bytes, content_type: str, method: str, path: str) -> bytes:
    """The error object for a response that did not conform: the message is what the body said (`detail`, or the
    text), or the status's meaning when it said nothing."""
    text = _said(body, content_type)
    if status == 404 and text.strip() in ("", "Not Found"):
        text = f"no such endpoint: {method} {path} (the API is described at /docs)"
    elif status == 405 and text.strip() in ("", "Method Not Allowed"):
        text = f"{method} is not allowed on {path}"
    elif status == 400 and text.strip() == "Disallowed CORS origin":
        text = "this browser origin is not allowed (GROUNDED_API__CORS_ORIGINS lists the allowed ones)"
    return error_bytes(STATUS_CODES.get(status, "error"), text or f"HTTP {status}")


class ErrorShape:
    """ASGI middleware (outermost): every error response leaves in the API's error shape (module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] == "HEAD":
            return await self.app(scope, receive, send)
        held: dict | None = None
        parts: list[bytes] = []

        async def sending(message):
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400:
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                return await send(message)
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            headers = held.get("headers", [])
            ctype = next((v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), "")
            if reshapes(path, held["status"], body, ctype):
                body = reshaped(held["status"], body, ctype, scope["method"], path)
                headers = [(k, v) for k, v in headers if k.lower() not in DROP]
                headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, sending)
