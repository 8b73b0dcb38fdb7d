"""The app factory: `create_app(settings) -> FastAPI`, the API on one app onto which the chat UI mounts at `/`.

The UI (issue 11) passes `ui=mount` (a callable given the app, e.g. `gr.mount_gradio_app(app, blocks, path="/")`);
without one, `/` is a small page pointing at /docs. Through `app.state` a UI reaches the same service (`service`,
whose `answer()` runs off the event loop), the audit log (`audit`; `records.record_answer` writes an answer's row)
and the key store. The core (`assistant.answer`) never imports this package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

import assistant.api.ask as ask
import assistant.api.documents as documents
import assistant.api.errors as errors
import assistant.api.health as health
import assistant.api.openai_compat as openai_compat
import assistant.api.records as records
from assistant.api.audit import AuditLog
from assistant.api.audit_durable import DurableResponses
from assistant.api.audit_spool import spool_dir
from assistant.api.error_shape import ErrorShape
from assistant.api.guards import BodyGuard
from assistant.api.keys import KeyStore
from assistant.api.limits import RateLimiter, parse_limit
from assistant.api.service import Service
from assistant.api.settings import ServerSettings, load_server_settings

log = logging.getLogger("grounded.api")
VERSION = "1"
DESCRIPTION = """Answers from the indexed documents, every claim cited to a verbatim passage; when the documents do
not say, the answer says so (`abstained`).

* `POST /v1/ask`: the answer with its citations (JSON, or server-sent events with `"stream": true`).
* `POST /v1/chat/completions`, `GET /v1/models`: the OpenAI-compatible subset: point any OpenAI client at `/v1`.
* `GET /v1/documents/{doc_id}`: the cleaned text every citation's `quote` is `text[start:end]` of.
* `POST /v1/feedback`, `GET /v1/answers/{request_id}`: rate an answer; replay it exactly as it was given.

When API keys are configured, send `Authorization: Bearer KEY`. Every error is `{"error": {"code", "message"}}`, with
`param` naming the request field at fault when there is one."""


def create_app(settings: ServerSettings | None = None, *, ui: Callable[[FastAPI], None] | None = None,
               load: bool = True) -> FastAPI:
    """The HTTP API (and, with `ui`, the chat UI) for these settings. The index and models load in the background
    when the app starts (`load=False` leaves that to the caller); /readyz says when they are ready.
    ConfigError for a bad rate limit or key file."""
    settings = settings or load_server_settings()
    parse_limit(settings.api.rate_limit)
    parse_limit(settings.api.rate_limit_other)
    service = Service(settings)
    audit = AuditLog(settings.audit_url, retention_days=settings.api.audit_retention_days,
                     queue_size=settings.api.audit_queue, spool_dir=spool_dir(settings.home, settings.audit_url))
    keys = KeyStore(settings.keys_path)
    keys.active()  # a broken key file is a start-up error, not a 503 on every request
    limiter = RateLimiter(settings.limits.storage_url)  # in memory, or Redis shared by every worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        audit.start()
        if load:
            service.start()
        yield
        audit.close()

    # /docs and /redoc from assets shipped in fastapi-offline: the default pages load them from a CDN, which an
    # offline or locked-down network cannot reach
    app = FastAPIOffline(title="grounded", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                         openapi_url="/openapi.json")
    app.state.settings, app.state.service, app.state.audit = settings, service, audit
    app.state.keys, app.state.limiter, app.state.require_keys = keys, limiter, False
    errors.install(app)
    errors.hide_paths(settings.home)  # error messages name GROUNDED_HOME, not where it is
    for module in (health, ask, openai_compat, documents, records):
        app.include_router(module.router)
    app.add_middleware(DurableResponses, audit=audit)  # innermost: no answer is sent before its audit row is fsynced
    app.add_middleware(BodyGuard, max_bytes=settings.api.max_body_bytes)
    if settings.api.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.api.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], expose_headers=["X-Request-ID",
                                                                                            "Retry-After"])
    app.add_middleware(ErrorShape)  # outermost: whatever made an error response, it leaves in one shape
    if ui is None:
        app.include_router(health.placeholder)
    else:
        ui(app)
    return app
