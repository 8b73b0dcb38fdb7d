"""The UI's way into the API: the same keys, rate limits, answering service, audit log and documents as `/v1`.

The chat UI holds no logic of its own (ARCHITECTURE.md). Each call builds a Starlette request for the API app, with
the browser's address, and goes through the API's own functions: `access.caller` (the bearer key; 401 when keys
are required), `access.limited` (the per-key rate limit of answers, or of other requests), `Service.check_*` and
`streaming.answer_events` (the one `answer()` function, in the service's thread pool), `records.record_answer` (the
audit row, endpoint `/ui`), `records.post_feedback` and `documents.get_document`. Every failure becomes a `UiError`
with a one-line message for the user: no stack trace reaches the browser.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ValidationError
from starlette.requests import Request

from assistant.api import access, documents, records
from assistant.api.audit import dumps
from assistant.api.compare import with_comparisons
from assistant.api.errors import ApiError, public, validation_message
from assistant.api.schemas import AskRequest, FeedbackRequest
from assistant.api.streaming import answer_events
from kernel.errors import GroundedError

log = logging.getLogger("grounded.ui")
ENDPOINT = "/ui"


class UiError(Exception):
    """A failure to show the user: `status` as the API would answer it, and a one-line message."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.message, self.status = " ".join(public(message).split()), status  # GROUNDED_HOME, not its path


def translate(exc: BaseException) -> UiError:
    """Any exception → UiError: the API's own message for ApiError / product errors, a reference otherwise."""
    if isinstance(exc, UiError):
        return exc
    if isinstance(exc, ApiError):
        return UiError(exc.message, exc.status)
    if isinstance(exc, GroundedError):
        from assistant.api.errors import grounded_status

        return UiError(str(exc), grounded_status(exc))
    if isinstance(exc, ValidationError):
        _, _, message, _ = validation_message(RequestValidationError(exc.errors()))
        return UiError(message, 422)
    ref = uuid.uuid4().hex[:12]
    log.error("unexpected failure %s in the chat UI", ref, exc_info=exc)
    return UiError(f"unexpected failure ({exc.__class__.__name__}); the server log has the details under reference "
                   f"{ref}")


@dataclass(frozen=True)
class Session:
    """Who is using the UI: the API key they logged in with (None without keys) and their address."""

    key: str | None = None
    client: str | None = None


class Gateway:
    """The API app as the UI uses it. Methods raise UiError only."""

    def __init__(self, app: FastAPI):
        self.app = app

    @property
    def service(self):
        return self.app.state.service

    def _request(self, session: Session, method: str = "POST") -> Request:
        scope = {"type": "http", "app": self.app, "method": method, "path": ENDPOINT, "raw_path": ENDPOINT.encode(),
                 "headers": [], "query_string": b"", "client": (session.client or "127.0.0.1", 0), "state": {}}
        return Request(scope)

    def login_required(self) -> bool:
        """True when the API requires a key (an active key exists, or the server listens on a public address)."""
        try:
            return bool(self.app.state.keys.active() or self.app.state.require_keys)
        except GroundedError:  # a broken key file: lock the UI rather than open it
            return True

    async def caller(self, session: Session, scope: str | None = None) -> access.Caller:
        """The API's caller for this session, counted against the rate limit of `scope` (answers / other) when
        given. UiError 401 (key missing, wrong or revoked) or 429 (rate limited)."""
        request = self._request(session)
        creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=session.key) if session.key else None
        try:
            who = await access.caller(request, creds)
            if scope is not None:
                who = await access.limited(scope)(request, who)
            return who
        except Exception as exc:
            raise translate(exc) from None

    async def login(self, key: str, client: str | None) -> str:
        """Check an API key; returns its name. UiError 401 for a wrong or revoked key."""
        if not key.strip():
            raise UiError("enter your API key (from `python -m assistant keys add NAME`)", 401)
        who = await self.caller(Session(key.strip(), client))
        return who.key_name or ""

    # --- what the server offers ----------------------------------------------------------------------------------

    def status(self) -> dict:
        """{"state": loading | ready | failed, "message", "engines", "default_engine", "documents", "chunks",
        "corpus_version"} (counts only when ready). Never raises."""
        service = self.service
        out = {"state": service.state, "message": service.error and public(service.error), "engines": service.engines(),
               "default_engine": service.default_engine()}
        if service.state == "ready":
            try:
                out.update(service.summary())
            except Exception as exc:  # noqa: BLE001 - the index went away: say so, keep the page up
                out.update(state="failed", message=public(str(exc)))
        return out

    async def documents(self, session: Session) -> list[dict]:
        """The indexed documents (doc_id, title, publisher, author, published, url, language, chunks), by id, as
        GET /v1/documents gives them. UiError 401 / 429 / 503."""
        who = await self.caller(session, access.OTHER)
        request = self._request(session, "GET")
        try:
            response = await anyio.to_thread.run_sync(
                lambda: documents.list_documents(request, who, limit=10_000, offset=0))
        except Exception as exc:
            raise translate(exc) from None
        return json.loads(response.body)["documents"]

    async def document(self, session: Session, doc_id: str) -> dict:
        """One document as GET /v1/documents/{doc_id} gives it (metadata, cleaned `text`, `removed`, `chunks`,
        `also_in`). UiError 404 for an unknown id, 401 / 429 / 503."""
        who = await self.caller(session, access.OTHER)
        request = self._request(session, "GET")
        try:
            response = await anyio.to_thread.run_sync(lambda: documents.get_document(doc_id, request, who))
        except Exception as exc:
            raise translate(exc) from None
        return json.loads(response.body)

    async def feedback(self, session: Session, request_id: str, rating: str, comment: str | None) -> dict:
        """Record a rating of the answer `request_id` in the audit log, as POST /v1/feedback does.
        Returns {"request_id", "rating", "comment", "created_at"}. UiError 404 (unknown id), 422, 401, 429, 503."""
        who = await self.caller(session, access.OTHER)
        request = self._request(session)
        try:
            body = FeedbackRequest(request_id=request_id, rating=rating, comment=(comment or "").strip() or None)
            response = await anyio.to_thread.run_sync(lambda: records.post_feedback(body, request, who))
        except Exception as exc:
            raise translate(exc) from None
        return json.loads(response.body)

    # --- answering -----------------------------------------------------------------------------------------------

    async def ask(self, session: Session, question: str, history: list[dict], engine: str | None,
                  filters: dict | None) -> AsyncIterator[tuple[str, object]]:
        """Answer as POST /v1/ask with `"stream": true` does: yields ("token", text) while an LLM writes its draft,
        then ("answer", dict): the /v1/ask object (with `comparisons`) plus `draft_replaced`, already queued in the
        audit log (endpoint `/ui`, the session's key name and address). UiError for a refused request (401, 422,
        429, 503) or a failed answer."""
        started = time.perf_counter()
        who = await self.caller(session, access.ANSWERS)
        try:
            body = AskRequest(question=question, history=history, engine=engine or None, filters=filters or None,
                              stream=True)
            service = self.service
            service.check_question(body.question, len(body.history))
            engine = service.check_engine(body.engine)
            service.require()
        except Exception as exc:
            raise translate(exc) from None
        turns = [t.model_dump() for t in body.history]
        chosen = (body.filters.model_dump(exclude_none=True) if body.filters else None) or None
        streamed: list[str] = []
        try:
            async for kind, value in answer_events(service, body.question, turns, engine, chosen):
                if kind == "token":
                    streamed.append(value)
                    yield "token", value
                elif kind == "answer":
                    data = with_comparisons(value.as_dict())
                    data["draft_replaced"] = bool(streamed) and "".join(streamed).strip() != data["answer"].strip()
                    request = self._request(session)
                    record = functools.partial(  # its fsync off the event loop
                        records.record_answer, request, who, endpoint=ENDPOINT, question=body.question, history=turns,
                        filters=chosen, stream=True, answer=data, body=dumps(data).encode("utf-8"), started=started,
                        confirm=True)
                    await anyio.to_thread.run_sync(record)
                    yield "answer", data
                    # the UI took the answer to show it (the generator is resumed only then): delivered
                    request.app.state.audit.delivered(data["request_id"])
        except Exception as exc:
            raise translate(exc) from None
