"""ASGI middleware in front of the /v1 API: 415 for a body that is not JSON, 413 for a body over the limit,
refused from its Content-Length before a byte is read, or while it streams in (chunked), never read whole."""

from __future__ import annotations

import contextlib

from assistant.api.errors import error_bytes

BODY_METHODS = {"POST", "PUT", "PATCH"}


class _TooLarge(Exception):
    pass


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class BodyGuard:
    """Checks content type and size of request bodies under `prefix` (the UI, mounted elsewhere, has its own)."""

    def __init__(self, app, max_bytes: int, prefix: str = "/v1/"):
        self.app, self.max_bytes, self.prefix = app, max_bytes, prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        ctype = headers.get("content-type")
        if ctype is not None and not _is_json(ctype):
            return await _reply(send, 415, "unsupported_media_type",
                                f"Content-Type {ctype.split(';')[0]!r} is not accepted: send a JSON body with "
                                "'Content-Type: application/json'")
        if ctype is None:  # a body sent without a type is read as the JSON this API takes
            scope = {**scope, "headers": [*scope["headers"], (b"content-type", b"application/json")]}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await _reply(send, 413, "body_too_large", self._message())
        seen, started, too_large = 0, False, False

        async def counted():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _TooLarge()
            return message

        async def tracked(message):
            nonlocal started
            if too_large:  # the app's own reply to the aborted read (FastAPI makes it a 400) is replaced
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, tracked)
        if too_large and not started:
            await _reply(send, 413, "body_too_large", self._message())

    def _message(self) -> str:
        return f"the request body is over the limit of {self.max_bytes:,} bytes (GROUNDED_API__MAX_BODY_BYTES)"


async def _reply(send, status: int, code: str, message: str) -> None:
    body = error_bytes(code, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
