"""POST /v1/ask: one answer as JSON, or as server-sent events with `"stream": true` / `Accept: text/event-stream`.

Stream: `token` events (`{"text": ...}`) as the LLM writes its draft, `: ping` comments while nothing comes, then
one `answer` event, the verified answer (the /v1/ask object plus `draft_replaced`: true when verification or a
fallback changed what was streamed, so the client must show this text instead), or one `error` event.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse

from assistant.api.access import AnswerCaller, Caller, rate_headers
from assistant.api.audit import dumps
from assistant.api.compare import with_comparisons
from assistant.api.errors import stream_error
from assistant.api.records import SSE, mark_delivered, record_answer
from assistant.api.schemas import ASK_EVENTS, ERRORS, AskRequest, AskResponse
from assistant.api.streaming import PING, SSE_HEADERS, answer_events, sse, sse_json

router = APIRouter(tags=["answers"])
RESPONSES = {200: {"model": AskResponse, "description": "The answer (JSON), or server-sent events when streaming",
                   "content": {"text/event-stream": {"schema": ASK_EVENTS}}}, **ERRORS}


def wants_stream(body_flag: bool, request: Request) -> bool:
    return body_flag or "text/event-stream" in request.headers.get("accept", "")


@router.post("/v1/ask", responses=RESPONSES, response_model=None, summary="Answer a question with citations")
async def ask(body: AskRequest, request: Request, who: AnswerCaller) -> Response:
    """Answer from the indexed documents: every `[n]` in `answer` has one citation whose `quote` is verbatim
    `GET /v1/documents/{doc_id}` `text[start:end]`; `abstained` is true when the documents do not say."""
    started = time.perf_counter()
    service = request.app.state.service
    service.check_question(body.question, len(body.history))
    engine = service.check_engine(body.engine)
    service.require()
    history = [t.model_dump() for t in body.history]
    filters = body.filters.model_dump(exclude_none=True) if body.filters else None
    filters = filters or None
    service.check_filters(filters)
    stream = wants_stream(body.stream, request)
    fields = {"endpoint": "/v1/ask", "question": body.question, "history": history, "filters": filters,
              "stream": stream}
    if stream:  # the request id is chosen now, so that the headers carry it as a plain answer's do
        request_id = uuid.uuid4().hex[:16]
        events = _events(request, who, fields, engine, started, request_id)
        return EventSourceResponse(events, headers={**SSE_HEADERS, "X-Request-ID": request_id,
                                                    **rate_headers(request)})
    ans = await service.answer(body.question, history, engine, filters)
    data = with_comparisons(ans.as_dict())
    raw = dumps(data).encode("utf-8")
    record_answer(request, who, answer=data, body=raw, started=started, confirm=True, **fields)  # before sending
    return Response(raw, media_type="application/json",
                    headers={"X-Request-ID": data["request_id"], **rate_headers(request)},
                    background=mark_delivered(request, data["request_id"]))


async def _events(request: Request, who: Caller, fields: dict, engine: str, started: float,
                  request_id: str) -> AsyncIterator[bytes]:
    """The event stream. The answer is recorded just before its `answer` event is sent, with the whole stream (every
    byte sent so far, that event included: `sent` gets an event once the server has asked for the next, i.e. it went
    out), and marked delivered once the stream has ended with every recorded byte sent (not when the client left)."""
    service = request.app.state.service
    streamed: list[str] = []
    sent: list[bytes] = []
    recorded: bytes | None = None
    try:
        async for kind, value in answer_events(service, fields["question"], fields["history"], engine,
                                               fields["filters"], request_id=request_id):
            if kind == "token":
                streamed.append(value)
                event = sse_json("token", {"text": value})
            elif kind == "ping":
                event = PING
            else:
                data = with_comparisons(value.as_dict())
                data["draft_replaced"] = bool(streamed) and "".join(streamed).strip() != data["answer"].strip()
                event = sse("answer", dumps(data))
                recorded = b"".join([*sent, event])
                record_answer(request, who, answer=data, body=recorded, started=started, response_type=SSE,
                              confirm=True, **fields)
            yield event
            sent.append(event)
    except Exception as exc:  # after the headers went out, the error can only be an event
        event = sse_json("error", stream_error(exc, "streamed answer"))
        yield event
        sent.append(event)
    if recorded is not None and b"".join(sent) == recorded:
        request.app.state.audit.delivered(request_id)
