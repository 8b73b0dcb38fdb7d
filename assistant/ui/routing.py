"""The API's paths stay the API's when the UI is mounted at `/`.

A mount at `/` matches every path, so a request no API route takes (`GET /v2/ask`), or a method an API route does
not take (`GET /v1/ask`), would reach gradio and get gradio's `{"detail": "Not Found"}` instead of the API's error
shape (404 `not_found`; 405 `method_not_allowed` with `Allow`). `keep_api_paths` wraps the UI's mount: a request
that reaches it for a path under `/v<n>/`, or for a path one of the API's routes has, is answered as the API would
answer it. The router tries the API's routes first, and every middleware (body limits, CORS) has run by then.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import Match, Mount

from assistant.api.errors import error_response

API_PATH = re.compile(r"^/v\d+(/|$)")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class ApiPathsFirst:
    """ASGI app in front of the UI's mount; `routes` are the API's routes (taken before the UI was mounted)."""

    def __init__(self, app, routes: list):
        self.app, self.routes = app, routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope.get("path", ""), scope["method"]
        # the methods some API route takes on this path (the routes of included routers do not list their
        # methods, so each method is tried: a few regular expressions per request)
        allowed = {m for m in METHODS if any(r.matches({**scope, "method": m})[0] == Match.FULL for r in self.routes)}
        if allowed:
            response = error_response(405, "method_not_allowed", f"{method} is not allowed on {path}",
                                      {"Allow": ", ".join(sorted(allowed))})
        elif API_PATH.match(path):
            response = error_response(404, "not_found", f"no such endpoint: {method} {path} (the API is described "
                                      "at /docs)")
        else:
            return await self.app(scope, receive, send)
        await response(scope, receive, send)


def keep_api_paths(app: FastAPI, api_routes: list) -> None:
    """Wrap the mount at `/` (the UI, mounted last) so that API paths get the API's 404 / 405."""
    mounts = [r for r in app.router.routes if isinstance(r, Mount) and r.path in ("", "/")]
    if not mounts:
        raise RuntimeError("the UI is not mounted at /")
    mounts[-1].app = ApiPathsFirst(mounts[-1].app, api_routes)
