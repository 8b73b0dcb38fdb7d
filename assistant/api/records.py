"""Recording answers, feedback and replay: POST /v1/feedback, GET /v1/answers/{request_id}[/response].

A replay is what a compliance team shows an auditor (with a key made by `keys add NAME --audit`; other keys replay
only the answers given to them): the question, history and filters, who asked and when, the
engine, corpus version and settings hash, the feedback, and `response`, the answer exactly as it was served (the
same bytes, embedded verbatim; `/response` returns only those bytes, with their original content type).

A chat completion's `id` (`chatcmpl-<request_id>`) is accepted wherever a request id is, so an OpenAI client can
replay or rate what it was given. A streamed answer is recorded as the whole event stream it was served as
(`response_type` `text/event-stream`: every byte sent, keep-alive comments included). Its replay gives, as
`response`, the final event's data byte for byte (the `answer` event of /v1/ask; for a chat completion the chunk
with `finish_reason` and `citations`), and as `events` the stream itself; `/response` returns the final event's data,
or, with `Accept: text/event-stream`, the recorded stream re-emitted as it was sent.

Every answer is recorded in two phases (issue 13): `record_answer` before its response is sent (a plain answer's
body, or a stream's final event), `AuditLog.delivered` once the whole response went out (`mark_delivered`, a
background task of a plain response; a stream marks itself when it has ended). A replay's `delivered` is true for a
confirmed delivery, false when the worker died between the two (or the client left mid-stream: the row then holds the
whole stream that was to be sent), null when delivery is not tracked (rows recorded before it was). The chat UI's
gateway marks an answer delivered once the UI has taken it to show.
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
RequestId = Annotated[str, Path(min_length=1, max_length=73, pattern=r"^[A-Za-z0-9_-]+$")]
CHAT_PREFIX = "chatcmpl-"
JSON, SSE = "application/json", "text/event-stream"


def recorded_id(request_id: str) -> str:
    """The request id behind an id a client holds: a chat completion's `chatcmpl-<request_id>` or the id itself."""
    return request_id.removeprefix(CHAT_PREFIX)


def sse_blocks(stream: str) -> list[tuple[str | None, str | None]]:
    """(event name, data) of each event of a recorded stream, comments and `[DONE]` included as data."""
    out = []
    for block in stream.split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):  # not splitlines(): JSON data may hold U+2028, which is not a line break here
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data.append(line[len("data: "):])
        if name is not None or data:
            out.append((name, "\n".join(data) if data else None))
    return out


def final_body(row: dict) -> str:
    """The body that counts: the response as served, or for a recorded stream its final event's data (/v1/ask's
    `answer` event; a chat completion's chunk carrying `citations`)."""
    if row["response_type"] != SSE:
        return row["response"]
    for name, data in reversed(sse_blocks(row["response"])):
        if name == "answer" or (name is None and data and data.startswith("{") and '"citations":' in data
                                and '"finish_reason":"stop"' in data):
            return data
    raise ApiError(500, f"the recorded stream of {row['request_id']} has no final answer event", "internal")


def record_answer(request: Request, who: Caller, *, endpoint: str, question: str, history: list[dict],
                  filters: dict | None, stream: bool, answer: dict, body: bytes, started: float,
                  response_type: str = JSON, confirm: bool = False) -> None:
    """Queue the audit row of an answer about to be served as `body` of `response_type` (the JSON body, or the whole
    event stream, `text/event-stream`); call it before sending the response (so that no answer a client got is
    missing), never after. With `confirm` the caller promises `AuditLog.delivered(request_id)` once the whole
    response went out, and the row says `delivered` false until then; without, delivery is not tracked and the row
    says null. Never raises, never waits."""
    timings = dict(answer.get("timings_ms") or {})
    timings["server"] = round((time.perf_counter() - started) * 1e3, 2)
    request.app.state.audit.record({
        "request_id": answer["request_id"], "created_at": now(), "endpoint": endpoint, "key_name": who.key_name,
        "client": who.client, "question": question, "history": history, "filters": filters,
        "engine": answer.get("engine"), "stream": stream, "answer": answer.get("answer"),
        "abstained": answer.get("abstained"), "citations": answer.get("citations"), "warnings": answer.get("warnings"),
        "corpus_version": answer.get("corpus_version"), "settings_hash": answer.get("settings_hash"),
        "timings_ms": timings, "status": 200, "response": body.decode("utf-8"), "response_type": response_type,
        "delivered": False if confirm else None})


def mark_delivered(request: Request, request_id: str) -> BackgroundTask:
    """The task, run by Starlette once the whole response body went out (not if sending it failed), that marks the
    answer recorded by `record_answer` as delivered."""
    async def mark() -> None:  # async: a sync task would cost a thread-pool hop
        request.app.state.audit.delivered(request_id)
    return BackgroundTask(mark)


def _row(request: Request, request_id: str, who: Caller) -> dict:
    """The recorded answer, if this caller may see it: a key sees the answers given to it, an `--audit` key all;
    without keys (loopback), all. 404 otherwise, so a key cannot learn which ids exist."""
    request_id = recorded_id(request_id)
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
    """Record a rating (and optional comment) for the answer with this `request_id` (or chat completion `id`);
    404 if there is none."""
    rid = _row(request, body.request_id, who)["request_id"]
    try:
        fb = request.app.state.audit.add_feedback(rid, body.rating, body.comment, who.key_name)
    except AuditUnavailableError as exc:
        raise ApiError(503, f"the feedback was not recorded: {exc}", "audit_unavailable", {"Retry-After": "30"}) \
            from None
    return JSONResponse({"request_id": rid, "rating": fb["rating"], "comment": fb["comment"],
                         "created_at": _iso(fb["created_at"])}, status_code=201, headers=rate_headers(request))


@router.get("/v1/answers/{request_id}", responses=ERRORS, summary="Replay a recorded answer")
def get_answer(request: Request, request_id: RequestId, who: OtherCaller) -> Response:
    """The recorded answer: who asked what and when, with what, its feedback, whether its delivery was confirmed
    (`delivered`: true, false, or null when recorded before that was tracked), and `response`, the body served (for a
    stream: its final event's data, and `events`, the whole stream as sent). `request_id` may be a chat completion's
    `id`."""
    row = _row(request, request_id, who)
    head = {"request_id": row["request_id"], "created_at": _iso(row["created_at"]), "endpoint": row["endpoint"],
            "key_name": row["key_name"], "client": row["client"],
            "request": {"question": row["question"], "history": row["history"], "filters": row["filters"],
                        "stream": bool(row["stream"])},
            "engine": row["engine"], "corpus_version": row["corpus_version"], "settings_hash": row["settings_hash"],
            "timings_ms": row["timings_ms"], "delivered": row.get("delivered"),
            "feedback": [{**f, "created_at": _iso(f["created_at"])} for f in row["feedback"]]}
    if row["response_type"] == SSE:
        head["events"] = row["response"]
    body = dumps(head)[:-1] + ',"response":' + final_body(row) + "}"
    return Response(body.encode("utf-8"), media_type=JSON, headers=rate_headers(request))


@router.get("/v1/answers/{request_id}/response", responses=ERRORS, summary="The recorded response body, verbatim")
def get_answer_response(request: Request, request_id: RequestId, who: OtherCaller) -> Response:
    """Exactly the bytes the user received. For a streamed answer: the final event's data, or with
    `Accept: text/event-stream` the whole stream as it was sent (`text/event-stream`)."""
    row = _row(request, request_id, who)
    if row["response_type"] == SSE and SSE in request.headers.get("accept", ""):
        return Response(row["response"].encode("utf-8"), media_type=SSE, headers=rate_headers(request))
    return Response(final_body(row).encode("utf-8"), media_type=JSON, headers=rate_headers(request))
