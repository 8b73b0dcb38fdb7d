"""Errors at the HTTP edge: every failure is `{"error": {"code", "message"}}` with the right status, on one line,
never a stack trace (ARCHITECTURE.md principle 7: translate at the edges only)."""

from __future__ import annotations

import json
import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.audit import AuditUnavailableError
from assistant.api.redact import hide_paths, public
from kernel.errors import (
    ConfigError,
    GroundedError,
    IndexLockedError,
    IndexUnavailableError,
    InputError,
    LLMUnavailableError,
    NotFoundError,
)

log = logging.getLogger("grounded.api")
__all__ = ["ApiError", "error_body", "error_response", "hide_paths", "install", "public", "stream_error"]

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 406: "not_acceptable", 413: "body_too_large",
                415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
                500: "internal", 503: "unavailable"}
GROUNDED_STATUS = [(InputError, 422), (NotFoundError, 404), (IndexUnavailableError, 503), (IndexLockedError, 503),
                   (LLMUnavailableError, 503), (ConfigError, 503), (AuditUnavailableError, 503)]


class ApiError(Exception):
    """An error the API answers with: HTTP status, a stable code, a one-line message, optional headers."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.headers, self.param = status, message, headers or {}, param
        self.code = code or STATUS_CODES.get(status, "error")


def error_body(code: str, message: str, **extra) -> dict:
    """The error object of API.md, with optional fields (param, request_id) when set."""
    return {"error": {"code": code, "message": _one_line(message), **{k: v for k, v in extra.items() if v}}}


def error_bytes(code: str, message: str, **extra) -> bytes:
    """The error object as the compact UTF-8 JSON every error response carries (one serialisation for all)."""
    return json.dumps(error_body(code, message, **extra), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_response(status: int, code: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    """The JSON error response: `{"error": {"code", "message", "param"?, "request_id"?}}` with `status`."""
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)  # compact, as above


def _one_line(message: str) -> str:
    return " ".join(public(message).split())[:1000]


def grounded_status(exc: GroundedError) -> int:
    """The HTTP status for a product error: bad input 422, unknown id 404, index / LLM / setting unavailable 503."""
    for kind, status in GROUNDED_STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def stream_error(exc: Exception, what: str) -> dict:
    """The error object a stream ends with once its headers are out (API.md's error shape plus `status`): a product
    error or an ApiError as the status it would have had; anything else a logged 500 (`what` names the stream)."""
    if isinstance(exc, GroundedError):
        status = grounded_status(exc)
        return {**error_body("invalid_request" if status == 422 else exc.code, str(exc)), "status": status}
    if isinstance(exc, ApiError):
        return {**error_body(exc.code, exc.message), "status": exc.status}
    log.error("%s failed", what, exc_info=exc)
    return {**error_body("internal", f"unexpected failure ({exc.__class__.__name__})"), "status": 500}


def validation_message(exc: RequestValidationError) -> tuple[int, str, str, str | None]:
    """(status, code, message, param) for a request that failed validation: 400 for a body that is not JSON,
    422 for the first field that is wrong, named by its path (`history[2].role: ...`; a path or query parameter by
    its name, `request_id`, `limit`)."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        return 400, "invalid_json", f"the body is not valid JSON: {ctx.get('error', first.get('msg'))}", None
    loc = list(first.get("loc", ()))
    if loc and loc[0] in ("body", "path", "query", "header", "cookie"):  # where it was sent is not its name
        loc = loc[1:]
    param = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or None
    msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if first.get("type") == "missing":
        msg = "this field is required"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return 422, "invalid_request", f"{param}: {msg}{more}" if param else f"{msg}{more}", param


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers, param=exc.param)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        status, code, message, param = validation_message(exc)
        return error_response(status, code, message, param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path} (the API is described at /docs)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        code = STATUS_CODES.get(exc.status_code, "error")
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's "error parsing"
            bad = exc.__cause__
            code, message = "invalid_json", (f"the body is not valid JSON: it is not UTF-8 (byte "
                                             f"0x{bad.object[bad.start]:02x} at position {bad.start})")
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(GroundedError)
    async def _grounded(request: Request, exc: GroundedError):
        status = grounded_status(exc)
        code = "invalid_request" if status == 422 else exc.code
        headers = {"Retry-After": "30"} if status == 503 else None
        return error_response(status, code, str(exc), headers)

    app.add_middleware(Unexpected)


class Unexpected:
    """ASGI middleware: an exception no handler knows becomes a 500 JSON error with a reference, logged once with
    its traceback under that reference. (An `exception_handler(Exception)` would be logged twice: Starlette's
    ServerErrorMiddleware re-raises after the handler, and the server logs it again.) When the response has already
    started (a stream), nothing more can be sent: it is only logged."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            ref = uuid.uuid4().hex[:12]
            log.error("unexpected failure %s on %s %s", ref, scope.get("method"), scope.get("path"), exc_info=exc)
            if not started:
                await error_response(500, "internal", f"unexpected failure ({exc.__class__.__name__}); the server "
                                     f"log has the details under reference {ref}", request_id=ref)(scope, receive, send)
