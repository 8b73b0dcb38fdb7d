"""Recording answers, feedback and replay: POST /v1/feedback, GET /v1/answers/{request_id}[/response].

A replay is what a compliance team shows an auditor (with a key made by `keys add NAME --audit`; other keys replay
only the answers given to them): the question, history and filters, who asked and when, the
engine, corpus version and settings hash, the feedback, and `response`, the answer exactly as it was served (the
same bytes, embedded verbatim; `/response` returns only those bytes, with their original content type).
"""

from __future__ import annotations

import time
from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask

from assistant.api.access import Caller, OtherCaller, rate_headers
from assistant.api.audit import AuditUnavailableError, dumps, now
from assistant.api.errors import ApiError
from assistant.api.schemas import ERRORS, FeedbackRequest

router = APIRouter(tags=["audit"])
RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def record_answer(request: Request, who: Caller, *, endpoint: str, question: str, history: list[dict],
                  filters: dict | None, stream: bool, answer: dict, body: bytes, started: float) -> None:
    """Queue the audit row of an answer served as `body` (never raises, never waits)."""
    timings = dict(answer.get("timings_ms") or {})
    timings["server"] = round((time.perf_counter() - started) * 1e3, 2)
    request.app.state.audit.record({
        "request_id": answer["request_id"], "created_at": now(), "endpoint": endpoint, "key_name": who.key_name,
        "client": who.client, "question": question, "history": history, "filters": filters,
        "engine": answer.get("engine"), "stream": stream, "answer": answer.get("answer"),
        "abstained": answer.get("abstained"), "citations": answer.get("citations"), "warnings": answer.get("warnings"),
        "corpus_version": answer.get("corpus_version"), "settings_hash": answer.get("settings_hash"),
        "timings_ms": timings, "status": 200, "response": body.decode("utf-8"), "response_type": "application/json"})


def after_response(request: Request, who: Caller, **fields) -> BackgroundTask:
    """`record_answer` as a task run once the response is sent (the row is queued after the user has the bytes, so
    the audit writer never competes with the response for the interpreter)."""
    async def record() -> None:  # async: a sync task would cost a thread-pool hop
        record_answer(request, who, **fields)
    return BackgroundTask(record)


def _row(request: Request, request_id: str, who: Caller) -> dict:
    """The recorded answer, if this caller may see it: a key sees the answers given to it, an `--audit` key all;
    without keys (loopback), all. 404 otherwise, so a key cannot learn which ids exist."""
    try:
        row = request.app.state.audit.get(request_id)
    except AuditUnavailableError as exc:
        raise ApiError(503, str(exc), "audit_unavailable", {"Retry-After": "30"}) from None
    if row is not None and who.key is not None and not who.key.audit and row["key_name"] != who.key.name:
        row = None
    if row is None:
        raise ApiError(404, f"no recorded answer with request_id {request_id!r}", "not_found", param="request_id")
    return row


def _iso(t) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@router.post("/v1/feedback", status_code=201, responses=ERRORS, summary="Rate an answer (up / down)")
def post_feedback(body: FeedbackRequest, request: Request, who: OtherCaller) -> JSONResponse:
    """Record a rating (and optional comment) for the answer with this `request_id`; 404 if there is none."""
    _row(request, body.request_id, who)
    try:
        fb = request.app.state.audit.add_feedback(body.request_id, body.rating, body.comment, who.key_name)
    except AuditUnavailableError as exc:
        raise ApiError(503, f"the feedback was not recorded: {exc}", "audit_unavailable", {"Retry-After": "30"}) \
            from None
    return JSONResponse({"request_id": body.request_id, "rating": fb["rating"], "comment": fb["comment"],
                         "created_at": _iso(fb["created_at"])}, status_code=201, headers=rate_headers(request))


@router.get("/v1/answers/{request_id}", responses=ERRORS, summary="Replay a recorded answer")
def get_answer(request: Request, request_id: RequestId, who: OtherCaller) -> Response:
    """The recorded answer: who asked what and when, with what, its feedback, and `response`, the body served."""
    row = _row(request, request_id, who)
    head = {"request_id": row["request_id"], "created_at": _iso(row["created_at"]), "endpoint": row["endpoint"],
            "key_name": row["key_name"], "client": row["client"],
            "request": {"question": row["question"], "history": row["history"], "filters": row["filters"],
                        "stream": bool(row["stream"])},
            "engine": row["engine"], "corpus_version": row["corpus_version"], "settings_hash": row["settings_hash"],
            "timings_ms": row["timings_ms"],
            "feedback": [{**f, "created_at": _iso(f["created_at"])} for f in row["feedback"]]}
    body = dumps(head)[:-1] + ',"response":' + row["response"] + "}"
    return Response(body.encode("utf-8"), media_type="application/json", headers=rate_headers(request))


@router.get("/v1/answers/{request_id}/response", responses=ERRORS, summary="The recorded response body, verbatim")
def get_answer_response(request: Request, request_id: RequestId, who: OtherCaller) -> Response:
    """Exactly the bytes the user received (for a streamed answer: the final `answer` event's data)."""
    row = _row(request, request_id, who)
    return Response(row["response"].encode("utf-8"), media_type=row["response_type"], headers=rate_headers(request))
